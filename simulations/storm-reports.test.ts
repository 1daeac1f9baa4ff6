import { describe, expect, it } from 'vitest';
import { generateCity } from '../twin-model/city/index.ts';
import { haversineM } from '../twin-model/city/city-queries.ts';
import { parseEventPayload } from '../twin-model/messages/record-parsers.ts';
import { createWeather } from './rainstorm.ts';
import { HOTLINE_SOURCE, StormReports, VIDEO_SOURCE, type StormReport } from './storm-reports.ts';

const city = generateCity({ seed: 2026, sensorCount: 1500 });
const T0 = Date.UTC(2026, 6, 1, 6);
const weather = () => createWeather({ scenario: 'rainstorm', startMs: T0, seed: 2026, sites: city.sensorSites });

function wholeStorm(step: number): StormReport[] {
  const reports = new StormReports(city.sensorSites, weather(), 2026);
  const out: StormReport[] = [];
  for (let t = T0; t < T0 + 4 * 3600_000; t += step) out.push(...reports.due(t, t + step));
  return out;
}

describe('StormReports', () => {
  it('reports waterlogging near flooded underpasses during the storm, at a modest rate, as valid events', () => {
    const reports = wholeStorm(60_000);
    const calls = reports.filter((r) => r.source === HOTLINE_SOURCE);
    const videos = reports.filter((r) => r.source === VIDEO_SOURCE);
    expect(calls.length).toBeGreaterThan(3);
    expect(videos.length).toBeGreaterThan(0);
    const underpasses = new Set(city.sensorSites.filter((s) => s.assetId && s.kind === 'water_level').map((s) => s.assetId));
    expect(reports.length).toBeLessThanOrEqual(underpasses.size * 5);
    for (const r of calls) expect(r.event).toMatchObject({ type: 'citizen_report', category: 'waterlogging' });
    for (const r of videos) expect(r.event).toMatchObject({ type: 'video_detection', category: 'standing_water' });
    // Near the underpass it is about (its id names it), and within the storm's time.
    for (const r of reports) {
      const assetId = /^sim-(.+)-[cv]\d+$/.exec(r.event.id)![1]!;
      const gauge = city.sensorSites.find((s) => s.assetId === assetId && s.kind === 'water_level')!;
      expect(haversineM([r.event.lng, r.event.lat], [gauge.lng, gauge.lat])).toBeLessThan(200);
      const parsed = parseEventPayload(new TextEncoder().encode(JSON.stringify({ ...r.event, ts: r.simMs })), r.source, r.simMs);
      expect(parsed.ok).toBe(true);
    }
    expect(new Set(reports.map((r) => r.event.id)).size).toBe(reports.length);
  });

  it('is deterministic by seed and independent of how time is stepped', () => {
    const byMinute = wholeStorm(60_000);
    expect(wholeStorm(60_000)).toEqual(byMinute);
    expect(wholeStorm(7 * 60_000)).toEqual(byMinute);
  });

  it('reports nothing without a storm', () => {
    const reports = new StormReports(city.sensorSites, createWeather({ scenario: 'none', seed: 1, sites: city.sensorSites }), 1);
    expect(reports.due(T0, T0 + 3600_000)).toEqual([]);
  });
});
