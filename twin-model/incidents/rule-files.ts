/**
 * The shipped incident rules as written (rules/*.json), listed once: the correlator validates
 * them (incident-rules.ts `DEFAULT_INCIDENT_RULES`) and every reader of an incident type's name
 * (console, KPI screen, reports) takes it from here. A new rule file is added here only.
 */
import crowd from './rules/crowd.json' with { type: 'json' };
import fire from './rules/fire.json' with { type: 'json' };
import heatStress from './rules/heat_stress.json' with { type: 'json' };
import powerOutage from './rules/power_outage.json' with { type: 'json' };
import serviceSurge from './rules/service_surge.json' with { type: 'json' };
import trafficAccident from './rules/traffic_accident.json' with { type: 'json' };
import waterlogging from './rules/waterlogging.json' with { type: 'json' };

/** Rule documents by file name, in the order the correlator tries them. */
export const RULE_FILES: Readonly<Record<string, unknown>> = {
  'waterlogging.json': waterlogging,
  'traffic_accident.json': trafficAccident,
  'fire.json': fire,
  'power_outage.json': powerOutage,
  'heat_stress.json': heatStress,
  'crowd.json': crowd,
  'service_surge.json': serviceSurge,
};

/** Every shipped incident type's name in zh-CN and English (the rule file's `nameZh` / `nameEn`). */
export const INCIDENT_TYPE_NAMES: ReadonlyMap<string, { zh: string; en: string }> = new Map(
  [waterlogging, trafficAccident, fire, powerOutage, heatStress, crowd, serviceSurge].map((r) => [r.type, { zh: r.nameZh, en: r.nameEn }]),
);
