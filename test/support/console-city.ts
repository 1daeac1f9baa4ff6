/**
 * The set-up of a console browser test: the product started on its own data directory
 * (support/test-city.ts), an MQTT publisher on its broker, Chromium launched and the console
 * open with the admin signed in (support/browser.ts). `close()` undoes all of it; it is safe
 * after a set-up that failed half-way.
 */
import mqtt from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import type { RunningCityTwin } from '../../bin/runtime.ts';
import { TEST_ADMIN_PASSWORD } from './auth.ts';
import { launchChromium, openSignedInConsole } from './browser.ts';
import { tempDir } from './fixtures.ts';
import { startTestCity } from './test-city.ts';

export interface ConsoleCity {
  readonly app: RunningCityTwin;
  readonly browser: Browser;
  /** The console, signed in as the admin, ready. */
  readonly page: Page;
  /** The page's console errors and uncaught exceptions, as they come. */
  readonly errors: string[];
  /** An MQTT client on the product's broker (its client id is `pub-<name>`). */
  readonly publisher: mqtt.MqttClient;
}

/** What is done between the product's start and the console's: e.g. retained sensor meta. */
export type BeforeConsole = (publisher: mqtt.MqttClient) => Promise<void>;

/** The product, a publisher and a signed-in console for the test `name`; call `close` in `afterAll`. */
export function consoleCity(name: string): { start(beforeConsole?: BeforeConsole): Promise<ConsoleCity>; close(): Promise<void> } {
  const dir = tempDir(name);
  let app: RunningCityTwin | undefined;
  let browser: Browser | undefined;
  let publisher: mqtt.MqttClient | undefined;
  return {
    async start(beforeConsole) {
      app = await startTestCity(dir.path);
      publisher = await mqtt.connectAsync(app.mqttUrl, { clientId: `pub-${name}` });
      await beforeConsole?.(publisher);
      browser = await launchChromium();
      const { page, errors } = await openSignedInConsole(browser, app.url!, TEST_ADMIN_PASSWORD);
      return { app, browser, page, errors, publisher };
    },
    async close() {
      await publisher?.endAsync();
      await browser?.close();
      await app?.close();
      dir.remove();
    },
  };
}

/** Publishes a field worker's manual report of waterlogging (it opens an incident on its own). */
export async function publishWaterloggingReport(publisher: mqtt.MqttClient, id: string, lng: number, lat: number): Promise<void> {
  const body = { id, ts: Date.now(), type: 'manual_report', category: 'waterlogging', lng, lat, severity: 3, text: '路面积水' };
  await publisher.publishAsync('citytwin/v1/events/field-staff', JSON.stringify(body), { qos: 1 });
}
