/**
 * The city simulator (simulations/): the city's sensors publishing over MQTT, and the simulated
 * AVL of dispatched units driving their routes.
 */
import { CitySimulator } from '../../simulations/index.ts';
import { UnitDriver } from '../../simulations/unit-driver.ts';
import type { EmbeddedBroker } from '../../ingest/index.ts';
import type { CityModel } from '../../twin-model/index.ts';
import type { DispatchService } from '../../web/server/dispatch/dispatch-service.ts';
import { inProcessMqtt } from './broker.ts';
import { type PartContext, partLog } from './context.ts';

/** Starts the simulator, and the AVL of assigned units when dispatch runs here. */
export async function startSimulation(
  ctx: PartContext,
  deps: { city: CityModel; mqttUrl: string; broker: EmbeddedBroker | null; dispatch: DispatchService | null },
): Promise<CitySimulator> {
  const { config } = ctx;
  const { city, mqttUrl, broker, dispatch } = deps;
  const log = partLog(ctx, 'simulator');
  const simulator = new CitySimulator({
    brokerUrl: mqttUrl,
    city,
    seed: config.citySeed,
    scenario: config.scenario,
    timeScale: config.timeScale,
    mqttOptions: inProcessMqtt(broker, 'sim', config.workerId),
    log: (level, msg) => log(level, msg),
  });
  await simulator.start();
  ctx.shutdown.add(() => simulator.stop());
  const declared = simulator.plan.sensors.length - city.sensorSites.length - simulator.strays.length;
  log(
    'info',
    `simulator: ${city.sensorSites.length} sensors${declared > 0 ? ` and ${declared} of declared kinds` : ''} of ${city.name?.en ?? city.id ?? 'the city'} (${city.timezone ?? 'UTC'}), scenario ${config.scenario}, time scale ${config.timeScale}`,
  );
  if (dispatch) {
    // Simulated AVL: assigned units drive their routes and report over MQTT.
    const driver = new UnitDriver({
      brokerUrl: mqttUrl,
      source: dispatch,
      timeScale: config.timeScale,
      log: (level, msg) => log(level, msg),
      mqttOptions: inProcessMqtt(broker, 'avl', config.workerId),
    });
    await driver.start();
    ctx.shutdown.add(() => driver.stop());
  }
  return simulator;
}
