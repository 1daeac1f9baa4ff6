/**
 * `citytwin all` as the large-registry benches start it (runs 10, 15 and 16): its own process
 * on a data directory the bench filled with a registry (writeRegistry in scale-bench.ts), the
 * generated city of {@link SEED}, no simulator, warnings only, and the bench's admin password.
 */
import { startCityTwinProcess, type CityTwinProcess } from '../../test/support/citytwin-process.ts';

/** The generated city every large-registry bench uses (its sites place the registry's sensors). */
export const SEED = 2026;

/** The password of `admin` in a bench city. */
export const BENCH_ADMIN_PASSWORD = 'bench-admin-password-1';

/**
 * NODE_OPTIONS with V8's heap raised to BENCH_SCALE_HEAP_MB (default 6144): a million twin
 * entries and the first delta that carries them all need more than the default heap.
 */
export function benchHeapNodeOptions(): string {
  return `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=${process.env.BENCH_SCALE_HEAP_MB ?? '6144'}`.trim();
}

/**
 * Starts `citytwin all` on `dir` (free HTTP and MQTT ports unless `env` names them); `env` is
 * laid over the bench defaults. Resolves when the console URL is printed, within `timeoutMs`.
 */
export function startBenchCity(dir: string, env: Record<string, string> = {}, timeoutMs = 600_000): Promise<CityTwinProcess> {
  return startCityTwinProcess(
    'all',
    {
      CITYTWIN_HTTP_PORT: '0',
      CITYTWIN_MQTT_PORT: '0',
      CITYTWIN_DATA_DIR: dir,
      CITYTWIN_SIMULATE: '0',
      CITYTWIN_LOG_LEVEL: 'warn',
      CITYTWIN_CITY_SEED: String(SEED),
      CITYTWIN_ADMIN_PASSWORD: BENCH_ADMIN_PASSWORD,
      ...env,
    },
    timeoutMs,
  );
}
