/**
 * Fills the incident queue for console tests and screenshots: manual reports (each opens an
 * incident on its own, see twin-model/incidents/rules) published over MQTT on a grid of places
 * far enough apart that none fuse, with the categories taking turns so types, severities and
 * districts vary.
 */
import type mqtt from 'mqtt';

/** Categories whose manual report opens an incident, and the incident type each becomes. */
export const REPORT_CATEGORIES = ['waterlogging', 'traffic', 'fire', 'crowd'] as const;

/** One planned report: where and what. */
export interface PlannedReport {
  id: string;
  lng: number;
  lat: number;
  category: (typeof REPORT_CATEGORIES)[number];
}

/**
 * `count` reports on a grid over `bbox` ([west, south, east, north]), a cell of the grid per
 * report; cells are at least ≈1.6 km apart for 120 reports in central Wuhan (fusion radii of the
 * manual-report types are at most 800 m, twin-model/incidents/rules).
 */
export function planReports(count: number, bbox: readonly [number, number, number, number], prefix = 'many'): PlannedReport[] {
  if (!Number.isInteger(count) || count < 1 || count > 2000) throw new Error(`count ${count} is not an integer from 1 to 2000`);
  const [w, s, e, n] = bbox;
  const cols = Math.ceil(Math.sqrt(count * ((e - w) / (n - s))));
  const rows = Math.ceil(count / cols);
  const out: PlannedReport[] = [];
  for (let k = 0; k < count; k++) {
    const c = k % cols;
    const r = Math.floor(k / cols);
    out.push({
      id: `${prefix}-${k}`,
      lng: w + ((c + 0.5) * (e - w)) / cols,
      lat: s + ((r + 0.5) * (n - s)) / rows,
      category: REPORT_CATEGORIES[k % REPORT_CATEGORIES.length]!,
    });
  }
  return out;
}

/** Publishes the reports as `manual_report` events (QoS 1), each timestamped now. */
export async function publishReports(publisher: mqtt.MqttClient, reports: readonly PlannedReport[], source = 'field-staff'): Promise<void> {
  for (const r of reports) {
    const body = { id: r.id, ts: Date.now(), type: 'manual_report', category: r.category, lng: r.lng, lat: r.lat, severity: 3, text: r.id };
    await publisher.publishAsync(`citytwin/v1/events/${source}`, JSON.stringify(body), { qos: 1 });
  }
}

/** Central Wuhan, where the generated city has districts on both banks. */
export const CENTRAL_WUHAN: readonly [number, number, number, number] = [114.16, 30.46, 114.44, 30.66];
