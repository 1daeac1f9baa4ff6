/**
 * What people and cameras report during the rainstorm: hotline cases (12345, citizen_report /
 * waterlogging) and AI-hub video detections (video_detection / standing_water) near underpasses
 * whose water stands deep, so the twin has independent evidence to fuse with its gauges
 * (docs/incidents.md). Pure and deterministic: each (underpass, simulated minute) draws from
 * its own seeded stream, so the reports do not depend on the timer's cadence.
 */
import type { SensorSite } from '../twin-model/city/city-types.ts';
import { EVENT_SOURCES } from '../twin-model/city/city-sources.ts';
import { createRandom, hashString } from '../twin-model/random.ts';
import type { Weather } from './rainstorm.ts';

/** Hotline cases are published under this source (`citytwin/v1/events/{source}`; catalogue: 12345 hotline, sensitive). */
export const HOTLINE_SOURCE = EVENT_SOURCES.hotline;
/** Video detections are published under this source (catalogue: AI hub video detections, internal). */
export const VIDEO_SOURCE = EVENT_SOURCES.videoAi;

export interface StormReportOptions {
  /** Depth (cm) from which people notice and call: a little above the gauges' warning (15 cm). */
  depthCm: number;
  /** Chance per flooded underpass and simulated minute of a hotline case. */
  callsPerMinute: number;
  /** Most hotline cases per underpass and storm (the same street calls a few times, not forever). */
  maxCallsPerAsset: number;
  /** Share of underpasses a camera watches. */
  cameraShare: number;
  /** Chance per watched flooded underpass and minute that the algorithm flags standing water. */
  detectionsPerMinute: number;
  /** Most detections per underpass and storm. */
  maxDetectionsPerAsset: number;
  /** Reports are placed this far (m) from the underpass at most. */
  scatterM: number;
}

export const DEFAULT_STORM_REPORTS: Readonly<StormReportOptions> = {
  depthCm: 20,
  callsPerMinute: 0.2,
  maxCallsPerAsset: 3,
  cameraShare: 0.6,
  detectionsPerMinute: 0.15,
  maxDetectionsPerAsset: 2,
  scatterM: 120,
};

/** One report to publish: its source (topic) and its contract payload (without `ts`, stamped by the caller). */
export interface StormReport {
  source: string;
  /** Simulated time of the report (epoch ms). */
  simMs: number;
  event: {
    id: string;
    type: 'citizen_report' | 'video_detection';
    category: 'waterlogging' | 'standing_water';
    lng: number;
    lat: number;
    severity: number;
    text: string;
  };
}

interface Underpass {
  assetId: string;
  site: SensorSite;
  camera: boolean;
  calls: number;
  detections: number;
}

const MINUTE = 60_000;

/**
 * The reports of one storm over one city. `due(from, to)` returns the reports of the simulated
 * minutes in (from, to], in time order; each minute is visited once, so calling it with
 * consecutive windows gives every report exactly once.
 */
export class StormReports {
  private readonly underpasses: Underpass[];
  private readonly options: StormReportOptions;
  private doneMinute = Number.NEGATIVE_INFINITY;

  constructor(
    sites: readonly SensorSite[],
    private readonly weather: Weather,
    private readonly seed: number,
    options: Partial<StormReportOptions> = {},
  ) {
    this.options = { ...DEFAULT_STORM_REPORTS, ...options };
    // One place per underpass: its lowest-lying gauge, where the water stands deepest.
    const byAsset = new Map<string, SensorSite>();
    for (const s of sites) {
      if (s.kind !== 'water_level' || !s.assetId) continue;
      const known = byAsset.get(s.assetId);
      if (!known || s.lowness > known.lowness) byAsset.set(s.assetId, s);
    }
    this.underpasses = [...byAsset.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([assetId, site]) => ({
        assetId,
        site,
        camera: createRandom(hashString(`${seed}:camera:${assetId}`)).next() < this.options.cameraShare,
        calls: 0,
        detections: 0,
      }));
  }

  /** Underpasses watched (for tests and the simulator's log). */
  get underpassCount(): number {
    return this.underpasses.length;
  }

  due(fromMs: number, toMs: number): StormReport[] {
    const window = this.weather.stormWindow;
    if (!window) return [];
    const out: StormReport[] = [];
    const first = Math.max(Math.floor(fromMs / MINUTE) + 1, this.doneMinute + 1, Math.floor(window.startMs / MINUTE));
    // Water stands for a while after the rain: keep looking an hour past the storm.
    const last = Math.min(Math.floor(toMs / MINUTE), Math.floor((window.endMs + 60 * MINUTE) / MINUTE));
    for (let m = first; m <= last; m++) {
      const t = m * MINUTE;
      for (const u of this.underpasses) {
        if (u.calls >= this.options.maxCallsPerAsset && (!u.camera || u.detections >= this.options.maxDetectionsPerAsset)) continue;
        const depth = this.weather.pondingCmAt(u.site, t);
        if (depth < this.options.depthCm) continue;
        const rng = createRandom(hashString(`${this.seed}:${u.assetId}:${m}`));
        const place = () => {
          // Within scatterM of the underpass (1° latitude ≈ 111 km).
          const r = rng.range(0, this.options.scatterM) / 111_000;
          const a = rng.range(0, 2 * Math.PI);
          return {
            lng: round6(u.site.lng + (r * Math.cos(a)) / Math.cos((u.site.lat * Math.PI) / 180)),
            lat: round6(u.site.lat + r * Math.sin(a)),
          };
        };
        const severity = depth >= 40 ? 4 : 3;
        if (u.calls < this.options.maxCallsPerAsset && rng.next() < this.options.callsPerMinute) {
          u.calls++;
          out.push({
            source: HOTLINE_SOURCE,
            simMs: t - Math.floor(rng.range(0, MINUTE)),
            event: {
              id: `sim-${u.assetId}-c${u.calls}`,
              type: 'citizen_report',
              category: 'waterlogging',
              ...place(),
              severity,
              text: `${u.site.nameZh}附近道路积水约${Math.round(depth)}厘米`,
            },
          });
        }
        if (u.camera && u.detections < this.options.maxDetectionsPerAsset && rng.next() < this.options.detectionsPerMinute) {
          u.detections++;
          out.push({
            source: VIDEO_SOURCE,
            simMs: t - Math.floor(rng.range(0, MINUTE)),
            event: {
              id: `sim-${u.assetId}-v${u.detections}`,
              type: 'video_detection',
              category: 'standing_water',
              ...place(),
              severity,
              text: `standing water detected at ${u.assetId}`,
            },
          });
        }
      }
      this.doneMinute = m;
    }
    return out.sort((a, b) => a.simMs - b.simMs || a.event.id.localeCompare(b.event.id));
  }
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
