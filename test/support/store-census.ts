/**
 * Child process for tests: opens one embedded ClickHouse data directory (a process can hold
 * only one) and prints one JSON line with what it stores: every reading's key, the raw and
 * deduplicated counts, and the dead letters. Usage: tsx store-census.ts <dataDir> <sensorPrefix>
 */
import { createClickHouse, queryRows } from '../../storage/index.ts';

const [dir, prefix] = process.argv.slice(2);
if (!dir || !prefix) {
  process.stderr.write('usage: store-census.ts <dataDir> <sensorPrefix>\n');
  process.exit(2);
}
const client = createClickHouse({ url: null, dataDir: dir });
const like = { like: `${prefix}%` };
const keys = await queryRows<{ k: string }>(
  client,
  "SELECT concat(sensor_id, '@', toString(toUnixTimestamp64Milli(ts))) AS k FROM readings FINAL WHERE sensor_id LIKE {like:String}",
  like,
);
const [raw] = await queryRows<{ n: string }>(client, 'SELECT count() AS n FROM readings WHERE sensor_id LIKE {like:String}', like);
const [letters] = await queryRows<{ n: string }>(client, 'SELECT count() AS n FROM dead_letters');
await client.close();
process.stdout.write(
  `${JSON.stringify({ keys: keys.map((r) => r.k), rawRows: Number(raw?.n ?? 0), deadLetters: Number(letters?.n ?? 0) })}\n`,
);
process.exit(0);
