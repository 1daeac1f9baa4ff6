/**
 * `citytwin [all|ingest|web|help]` — starts CityTwin. `all` (the default, `npm start`) runs
 * everything in one process on embedded parts; `ingest` and `web` run the parts separately
 * against an external broker and ClickHouse (docs/deployment.md). `citytwin city …` checks and
 * writes city packages (docs/city-packages.md).
 */
import { CONFIG_HELP, ConfigError, loadConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { startCityTwin, type Role } from './runtime.ts';

const ROLES: readonly Role[] = ['all', 'ingest', 'web'];

function help(): string {
  const rows = CONFIG_HELP.map(([name, what, def]) => `  ${name.padEnd(28)} ${what} (default ${def})`).join('\n');
  return `usage: citytwin [all|ingest|web|help]

  all      broker, ClickHouse, ingest, twin, web console and simulator in one process (default)
  ingest   MQTT -> ClickHouse only (needs CITYTWIN_MQTT_URL; share topics with CITYTWIN_MQTT_SHARE_GROUP);
           GET /api/health and /metrics on CITYTWIN_HTTP_PORT, counters on citytwin/v1/system/ingest/<id>/stats
  web      twin and web console only (needs CITYTWIN_MQTT_URL; several nodes with CITYTWIN_REDIS_URL)
  simulate        the city simulator alone, publishing to CITYTWIN_MQTT_URL
  simulate --scenario NAME [--pump-teams N] [--prepositioned 420105,420106] [--seed S]
                  the what-if simulation: replay a scenario with simulated dispatch, print response times
  hash-password   read a password on stdin, print its scrypt hash (gateway credentials)
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
  let config;
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
  const { generateCity } = await import('../twin-model/city/index.ts');
  const { CitySimulator } = await import('../simulations/index.ts');
  const city = generateCity({ seed: config.citySeed, sensorCount: config.sensorCount });
  const sim = new CitySimulator({ brokerUrl: config.mqttUrl, city, seed: config.citySeed, scenario: config.scenario, timeScale: config.timeScale });
  await sim.start();
  process.stdout.write(`simulating ${city.sensorSites.length} sensors (scenario ${config.scenario}, time scale ${config.timeScale}) on ${config.mqttUrl}\n`);
  const stop = () => void sim.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

async function main(): Promise<void> {
  const arg = process.argv[2] ?? 'all';
  if (arg === 'help' || arg === '--help' || arg === '-h') {
    process.stdout.write(help());
    return;
  }
  if (arg === 'hash-password') {
    // For gateway credentials (docs/security.md): the password comes on stdin, never as an argument (shell history).
    const { hashPassword } = await import('../web/server/auth/password.ts');
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    const password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
    if (password.length < 10) {
      process.stderr.write(`citytwin: the password on stdin has ${password.length} characters; at least 10 are needed\n`);
      process.exit(2);
    }
    process.stdout.write(`${await hashPassword(password)}\n`);
    return;
  }
  if (arg === 'city') {
    const { runCityCommand } = await import('./city-command.ts');
    process.exitCode = runCityCommand(process.argv.slice(3), {
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
    });
    return;
  }
  if (arg === 'simulate') {
    if (process.argv.length > 3) {
      // With flags (`--scenario rainstorm …`): the what-if simulation on the twin, no broker (simulations/README.md).
      const { runWhatIfCli } = await import('../simulations/what-if/run-what-if.ts');
      process.exitCode = runWhatIfCli(process.argv.slice(3));
      return;
    }
    await simulate();
    return;
  }
  if (!(ROLES as readonly string[]).includes(arg)) {
    process.stderr.write(`citytwin: unknown command "${arg}"; expected one of ${ROLES.join(', ')}, simulate, city, hash-password, help\n`);
    process.exit(2);
  }
  const role = arg as Role;
  let config;
  try {
    config = loadConfig(process.env, { simulate: role === 'all' });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`citytwin: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel, role);
  let running;
  try {
    running = await startCityTwin(config, role, log);
  } catch (err) {
    process.stderr.write(`citytwin: cannot start: ${(err as Error).message}\n`);
    process.exit(1);
  }
  if (running.url) process.stdout.write(`\nCityTwin console: ${running.url}\n\n`);
  else if (running.ops) process.stdout.write(`\nCityTwin ingest worker ${config.workerId}: health and metrics on ${running.ops.url} (MQTT ${running.mqttUrl})\n\n`);
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
