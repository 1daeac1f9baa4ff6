/** The all-in-one product for a test: embedded broker and ClickHouse, free ports, no simulator unless asked. */
import { loadConfig } from '../../bin/config.ts';
import { startCityTwin, type RunningCityTwin, type RuntimeHooks } from '../../bin/runtime.ts';
import { TEST_ADMIN_PASSWORD } from './auth.ts';

/** What every test city starts with; a test overrides what it needs. */
export const TEST_CITY_ENV: Readonly<Record<string, string>> = {
  CITYTWIN_HTTP_PORT: '0',
  CITYTWIN_MQTT_PORT: '0',
  CITYTWIN_SIMULATE: '0',
  CITYTWIN_SENSORS: '300',
  CITYTWIN_LOG_LEVEL: 'warn',
  CITYTWIN_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
};

/** Starts `citytwin all` in this process on `dataDir` with {@link TEST_CITY_ENV} and `env` over it. */
export function startTestCity(dataDir: string, env: Record<string, string> = {}, hooks?: RuntimeHooks): Promise<RunningCityTwin> {
  return startCityTwin(loadConfig({ ...TEST_CITY_ENV, CITYTWIN_DATA_DIR: dataDir, ...env }), 'all', undefined, hooks);
}
