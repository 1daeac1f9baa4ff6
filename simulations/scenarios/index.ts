/**
 * Scenario generators with ground truth, for evaluating incident fusion. Each scenario gives
 * the raw inputs the twin would receive (sensor readings and discrete reports, in receive-time
 * order), the real events that happened and the deliberate distractors. Deterministic by seed.
 */
import { generateBridgeCrash } from './bridge-crash-scenario.ts';
import { generateFire } from './fire-scenario.ts';
import { generateHeatWave } from './heat-wave-scenario.ts';
import { generateRainstorm } from './rainstorm-scenario.ts';
import { generateServiceSurge } from './service-surge-scenario.ts';
import { generateSubstationOutage } from './substation-outage-scenario.ts';
import { SCENARIO_NAMES, type ScenarioName, type ScenarioOptions, type ScenarioRun } from './scenario-types.ts';

export * from './scenario-types.ts';
export { defaultScenarioStart, MAX_READINGS_PER_RUN, SOURCES } from './scenario-kit.ts';
export { RAINSTORM_KNOBS, generateRainstorm, type RainstormKnobs } from './rainstorm-scenario.ts';
export { BRIDGE_CRASH_KNOBS, crashBridges, generateBridgeCrash, type BridgeCrashKnobs } from './bridge-crash-scenario.ts';
export { FIRE_KNOBS, generateFire, type FireKnobs } from './fire-scenario.ts';
export { SUBSTATION_OUTAGE_KNOBS, generateSubstationOutage, type SubstationOutageKnobs } from './substation-outage-scenario.ts';
export { centralDistricts, HEAT_WAVE_KNOBS, generateHeatWave, type HeatWaveKnobs } from './heat-wave-scenario.ts';
export { SERVICE_SURGE_KNOBS, generateServiceSurge, type ServiceSurgeKnobs } from './service-surge-scenario.ts';

const GENERATORS: Readonly<Record<ScenarioName, (options: ScenarioOptions) => ScenarioRun>> = {
  rainstorm: generateRainstorm,
  bridge_crash: generateBridgeCrash,
  fire: generateFire,
  substation_outage: generateSubstationOutage,
  heat_wave: generateHeatWave,
  service_surge: generateServiceSurge,
};

/**
 * Generates one scenario run: the same name, city and seed (and start) always give the same
 * run. The ground truth is for scoring only; nothing in `inputs` is derived from it.
 */
export function generateScenario(name: ScenarioName, options: ScenarioOptions): ScenarioRun {
  const generate = GENERATORS[name];
  if (!generate) throw new Error(`unknown scenario "${String(name)}": the scenarios are ${SCENARIO_NAMES.join(', ')}`);
  return generate(options);
}
