/**
 * `citytwin [all|ingest|web|help]` — starts CityTwin. `all` (the default, `npm start`) runs
 * everything in one process on embedded parts; `ingest` and `web` run the parts separately
 * against an external broker and ClickHouse (docs/deployment.md). `backup` and `restore` copy
 * a stopped store (docs/storage.md#backup-and-restore).
 * `citytwin city …` checks, writes and imports city packages (docs/city-packages.md).
 */
import { CONFIG_HELP, type CityTwinConfig, ConfigError, loadConfig } from './config.ts';
import { createLogger, type Log } from './logger.ts';
import { type RunningCityTwin, startCityTwin, type Role } from './runtime.ts';

const ROLES: readonly Role[] = ['all', 'ingest', 'web'];

function help(): string {
  const rows = CONFIG_HELP.map(([name, what, def]) => `  ${name.padEnd(28)} ${what} (default ${def})`).join('\n');
  return `usage: citytwin [all|ingest|web|help]

  all      broker, ClickHouse, ingest, twin, web console and simulator in one process (default)
  ingest   MQTT -> ClickHouse only (needs CITYTWIN_MQTT_URL; share topics with CITYTWIN_MQTT_SHARE_GROUP);
           GET /api/health and /metrics on CITYTWIN_HTTP_PORT, counters on citytwin/v1/system/ingest/<id>/stats
  web      twin and web console only (needs CITYTWIN_MQTT_URL; several nodes with CITYTWIN_REDIS_URL)
  simulate        the city simulator alone, publishing to CITYTWIN_MQTT_URL
  simulate [--city PATH] --scenario NAME [--pump-teams N] [--prepositioned DISTRICT,…] [--seed S]
                  the what-if simulation on the configured city (CITYTWIN_CITY) or --city's: replay a scenario
                  with simulated dispatch, print response times
  hash-password   read a password on stdin, print its scrypt hash (gateway credentials)
  backup --to DIR      back up the stopped store in CITYTWIN_DATA_DIR (ClickHouse and local state) into a new DIR
  restore --from DIR   restore a backup into an empty CITYTWIN_DATA_DIR, checking every table's rows
  city import-osm FILE.osm.pbf|FILE.osm --out DIR [--bbox W,S,E,N] [--admin-level N] [--name NAME] [--timezone ZONE]
                  make a city package from OpenStreetMap data (docs/osm-import.md)
  audit verify [--data-dir DIR] [--public-key FILE] [--checkpoints FILE]... [--json]
                  verify the audit record offline (server stopped): chains, signed checkpoints,
                  dispatch log, incident history and security events; exit 1 on any problem
  city check PATH [--strict]
                  validate a city package (folder or .zip): every problem, exit 1 if it cannot load
  city generate --out DIR [--seed S] [--sensors N]
                  write the generated schematic Wuhan as a city package

environment:
${rows}
`;
}

/** `citytwin simulate`: the city simulator alone, publishing to CITYTWIN_MQTT_URL like real gateways. */
async function simulate(): Promise<void> {
  let config: CityTwinConfig;
  try {
    config = loadConfig(process.env, { simulate: true });
  } catch (err) {
    process.stderr.write(`citytwin: ${(err as Error).message}\n`);
    process.exit(2);
  }
  if (!config.mqttUrl) {
    process.stderr.write('citytwin: simulate needs a broker: set CITYTWIN_MQTT_URL (e.g. mqtt://127.0.0.1:1883)\n');
    process.exit(2);
  }
  const { cityModel } = await import('./parts/city.ts');
  const { CityPackageError, formatReport } = await import('../twin-model/city-package/index.ts');
  const { CitySimulator } = await import('../simulations/index.ts');
  const loadCity = () => {
    try {
      // The same city as the product's: CITYTWIN_CITY's package, or the generated one.
      return cityModel(config).model;
    } catch (err) {
      if (!(err instanceof CityPackageError)) throw err;
      process.stderr.write(`citytwin: the city package ${err.report.path} cannot be loaded:\n${formatReport(err.report)}`);
      process.exit(2);
    }
  };
  const city = loadCity();
  const sim = new CitySimulator({
    brokerUrl: config.mqttUrl,
    city,
    seed: config.citySeed,
    scenario: config.scenario,
    timeScale: config.timeScale,
  });
  await sim.start();
  process.stdout.write(
    `simulating ${city.sensorSites.length} sensors (scenario ${config.scenario}, time scale ${config.timeScale}) on ${config.mqttUrl}\n`,
  );
  const stop = () => void sim.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** `citytwin backup --to DIR` / `citytwin restore --from DIR`: exit 0, 2 (refused) or 1 (failed). */
async function backupOrRestore(command: 'backup' | 'restore', args: readonly string[]): Promise<number> {
  const { BackupError, backupStore, dirArgument, restoreStore } = await import('./backup.ts');
  const say = (line: string) => process.stdout.write(`${line}\n`);
  try {
    const config = loadConfig(process.env, { simulate: false });
    const store = { dataDir: config.dataDir, clickhouseUrl: config.clickhouseUrl };
    if (command === 'backup') {
      const to = dirArgument(args, '--to');
      say(`backing up ${config.dataDir} into ${to}`);
      const m = await backupStore(store, to, say);
      say(
        `backup done: ${m.clickhouse.tables.length} tables, ${m.clickhouse.tables.reduce((n, t) => n + t.rows, 0)} rows, ${m.state.files.length} state files in ${to}`,
      );
    } else {
      const from = dirArgument(args, '--from');
      say(`restoring ${from} into ${config.dataDir}`);
      const r = await restoreStore(store, from, say);
      say(
        `restore done: ${r.tables.length} tables with the rows of the backup of ${r.manifest.createdAt}, ${r.manifest.state.files.length} state files`,
      );
    }
    return 0;
  } catch (err) {
    process.stderr.write(`citytwin: ${(err as Error).message}\n`);
    if (err instanceof ConfigError) return 2;
    return err instanceof BackupError ? err.exitCode : 1;
  }
}

async function main(): Promise<void> {
  const arg = process.argv[2] ?? 'all';
  if (arg === 'backup' || arg === 'restore') {
    process.exitCode = await backupOrRestore(arg, process.argv.slice(3));
    return;
  }
  if (arg === 'help' || arg === '--help' || arg === '-h') {
    process.stdout.write(help());
    return;
  }
  if (arg === 'hash-password') {
    // For gateway credentials (docs/security.md): the password comes on stdin, never as an argument (shell history).
    const { hashPassword } = await import('../web/server/auth/password.ts');
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    const password = Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
    if (password.length < 10) {
      process.stderr.write(`citytwin: the password on stdin has ${password.length} characters; at least 10 are needed\n`);
      process.exit(2);
    }
    process.stdout.write(`${await hashPassword(password)}\n`);
    return;
  }
  if (arg === 'city') {
    if (process.argv[3] !== 'import-osm') {
      const { runCityCommand } = await import('./city-command.ts');
      process.exitCode = runCityCommand(process.argv.slice(3), {
        stdout: (text) => process.stdout.write(text),
        stderr: (text) => process.stderr.write(text),
      });
      return;
    }
    const { runImportOsmCli } = await import('./city-import-osm.ts');
    process.exitCode = await runImportOsmCli(process.argv.slice(4), {
      out: (s) => process.stdout.write(s),
      err: (s) => process.stderr.write(s),
    });
    return;
  }
  if (arg === 'audit') {
    // Offline verification of the audit record (docs/security.md): the server must be stopped
    // when it uses the embedded engine, which binds its data directory to one process.
    const { runAuditCommand } = await import('./audit-command.ts');
    const result = await runAuditCommand(process.argv.slice(3));
    (result.code === 2 ? process.stderr : process.stdout).write(result.out);
    process.exitCode = result.code;
    return;
  }
  if (arg === 'simulate') {
    if (process.argv.length > 3) {
      // With flags (`--scenario rainstorm …`): the what-if simulation on the twin, no broker (simulations/README.md).
      // The city is the product's (CITYTWIN_CITY, else the generated one) unless --city names another.
      let config: CityTwinConfig;
      try {
        config = loadConfig(process.env, { simulate: false });
      } catch (err) {
        process.stderr.write(`citytwin: ${(err as Error).message}\n`);
        process.exit(2);
      }
      const { runWhatIfCli } = await import('../simulations/what-if/run-what-if.ts');
      process.exitCode = runWhatIfCli(process.argv.slice(3), undefined, undefined, {
        cityPackage: config.cityPackage,
        citySeed: config.citySeed,
        sensorCount: config.sensorCount,
      });
      return;
    }
    await simulate();
    return;
  }
  if (!(ROLES as readonly string[]).includes(arg)) {
    process.stderr.write(
      `citytwin: unknown command "${arg}"; expected one of ${ROLES.join(', ')}, simulate, city, hash-password, audit, backup, restore, help\n`,
    );
    process.exit(2);
  }
  const role = arg as Role;
  let config: CityTwinConfig;
  try {
    config = loadConfig(process.env, { simulate: role === 'all' });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`citytwin: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  let log: Log;
  try {
    log = createLogger(config.logLevel, role, { format: config.logFormat });
  } catch (err) {
    process.stderr.write(`citytwin: ${(err as Error).message}\n`);
    process.exit(2);
  }
  let running: RunningCityTwin;
  try {
    running = await startCityTwin(config, role, log);
  } catch (err) {
    const { CityPackageError, formatReport } = await import('../twin-model/city-package/index.ts');
    if (err instanceof CityPackageError) {
      // One report of every problem; the city is loaded before any other part, so nothing started.
      const errors = err.report.problems.filter((p) => p.severity === 'error').length;
      process.stderr.write(
        `citytwin: the city package ${err.report.path} cannot be loaded (${errors} error${errors === 1 ? '' : 's'}); nothing was started:\n${formatReport(err.report)}`,
      );
      process.exit(2);
    }
    process.stderr.write(`citytwin: cannot start: ${(err as Error).message}\n`);
    process.exit(1);
  }
  if (running.url) process.stdout.write(`\nCityTwin console: ${running.url}\n\n`);
  if (running.audit) {
    // Keep this key somewhere else too: it verifies the audit checkpoints (docs/security.md, "Audit").
    const { rawPublicKey } = await import('../twin-model/audit/checkpoint.ts');
    process.stdout.write(
      `Audit chain ${running.audit.chain}, Ed25519 public key ${rawPublicKey(running.audit.keys.publicKey).toString('base64')} (${running.config.dataDir}/audit/audit-ed25519.pub.pem)\n\n`,
    );
  } else if (running.ops)
    process.stdout.write(
      `\nCityTwin ingest worker ${config.workerId}: health and metrics on ${running.ops.url} (MQTT ${running.mqttUrl})\n\n`,
    );
  else process.stdout.write(`\nCityTwin ${role} running (MQTT ${running.mqttUrl})\n\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    log('info', `${signal}: shutting down (storing what is pending)`);
    running
      .close()
      .then(() => process.exit(0))
      .catch(() => process.exit(1));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

void main();
