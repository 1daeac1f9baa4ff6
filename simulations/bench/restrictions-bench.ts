/**
 * Bench run 6, road restrictions under an alarm storm: {@link STORM_INCIDENTS} active
 * waterlogging incidents (one per water gauge of the generated city, gauges reused round the
 * city when there are fewer), each with its gauge's alarm as evidence. Measured: the
 * restrictions worked out from scratch (what every incident change cost before they were kept
 * per incident), and with them kept (RestrictionsMemo) after one incident changes — what the
 * dispatch service pays per change while trips are under way.
 */
import type { CityModel } from '../../twin-model/city/index.ts';
import { RestrictionsMemo, restrictionsFromIncidents } from '../../twin-model/dispatch/index.ts';
import { linkedAlarm, listedIncident } from '../../twin-model/incidents/fixtures/listed-incident.ts';
import type { Incident } from '../../twin-model/incidents/incident-correlator.ts';

export const STORM_INCIDENTS = 5_000;
const CHANGES = 50;

export interface RestrictionsFigures {
  incidents: number;
  closed: number;
  wholeMs: number;
  oneChangeMsMean: number;
  oneChangeMsMax: number;
}

export function measureRestrictionsStorm(city: CityModel): RestrictionsFigures {
  const gauges = city.sensorSites.filter((s) => s.kind === 'water_level');
  const sites = new Map(city.sensorSites.map((s) => [s.id, s]));
  const siteOf = (id: string) => sites.get(id);
  const incidents: Incident[] = Array.from({ length: STORM_INCIDENTS }, (_, i) => {
    const g = gauges[i % gauges.length]!;
    // Gauges reused round the city sit a little apart, as a second gauge nearby would.
    const lng = g.lng + Math.floor(i / gauges.length) * 0.0007;
    const alarm = linkedAlarm(`alarm:${g.id}`, lng, g.lat, { sensorId: g.id, sensorKind: 'water_level', signal: 'water' });
    return listedIncident(`INC-storm-${i}`, 'waterlogging', lng, g.lat, { evidence: [alarm] });
  });
  const t0 = performance.now();
  const whole = restrictionsFromIncidents(incidents, city, siteOf);
  const wholeMs = performance.now() - t0;
  const memo = new RestrictionsMemo();
  memo.restrictions(incidents, city);
  const ms: number[] = [];
  // The first few changes warm the code up and are not counted.
  for (let k = -5; k < CHANGES; k++) {
    const incident = incidents[((k + 5) * 97) % incidents.length]!;
    incident.severity = incident.severity === 3 ? 4 : 3;
    incident.lng += 0.0001;
    const t1 = performance.now();
    memo.restrictions(incidents, city);
    if (k >= 0) ms.push(performance.now() - t1);
  }
  return {
    incidents: incidents.length,
    closed: whole.closed.size,
    wholeMs,
    oneChangeMsMean: ms.reduce((a, b) => a + b, 0) / ms.length,
    oneChangeMsMax: Math.max(...ms),
  };
}
