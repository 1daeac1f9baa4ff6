/**
 * A crash on a Yangtze bridge: traffic on the bridge collapses, a camera's algorithm sees the
 * crash, drivers call the hotline; behind it the approaches jam (spill-over, not a second
 * accident). Sometimes a second, minor crash elsewhere in the city later in the run.
 */
import type { CityModel, Road, SensorSite } from '../../twin-model/city/city-types.ts';
import { PolygonIndex } from '../../twin-model/city/geometry.ts';
import { cityProjection } from '../../twin-model/city/local-projection.ts';
import { sampleSignals, type MetricValues } from '../signal-patterns.ts';
import {
  HOUR_MS,
  MINUTE_MS,
  assetsOfKind,
  dryWeatherScenario,
  distM,
  envelope,
  fmtTime,
  sample,
  sitesOfKind,
  within,
} from './scenario-kit.ts';
import type { ScenarioOptions, ScenarioRun } from './scenario-types.ts';

/** Knobs of the bridge-crash scenario. */
export interface BridgeCrashKnobs {
  durationMs: number;
  /** Probability of a second, minor crash on a city road. */
  secondCrashChance: number;
  /** Traffic sensors off the bridge within this distance jam behind the crash. */
  spilloverRadiusM: number;
}

export const BRIDGE_CRASH_KNOBS: Readonly<BridgeCrashKnobs> = {
  durationMs: 2 * HOUR_MS,
  secondCrashChance: 0.6,
  spilloverRadiusM: 4_000,
};

const CALLS = [
  '大桥上发生车祸，多车追尾 Multi-car pile-up on the bridge',
  '桥上有车相撞，堵住两条车道 Two cars collided on the bridge, two lanes blocked',
  '桥上出事故了，有人受伤 Accident on the bridge, someone is hurt',
  '长江大桥上车祸，车辆停滞 Crash on the Yangtze bridge, traffic standing still',
];

/** Speed and flow pulled from the normal pattern towards a jam by `weight` (0..1). */
function jammed(base: MetricValues, weight: number, jamSpeed: number, flowShare: number): MetricValues {
  const speed = base.speed_kmh ?? 0;
  const flow = base.vehicles_per_min ?? 0;
  return {
    speed_kmh: speed + (Math.min(speed, jamSpeed) - speed) * weight,
    vehicles_per_min: flow * (1 - (1 - flowShare) * weight),
  };
}

/** Traffic sensors this close to a bridge's ends watch it when no sensor sits on any bridge. */
const BRIDGE_END_M = 250;

/**
 * The bridges a crash may block, each with the traffic sensors that watch it: bridges with
 * sensors on them across the city's widest river (the middle of the bridge on its water: the
 * Yangtze bridges in Wuhan), else any bridge with sensors on it; in a city whose counters sit
 * at the bridgeheads rather than on the bridges, the bridges with a counter within
 * {@link BRIDGE_END_M} of an end. In the city's road order.
 */
export function crashBridges(
  city: Pick<CityModel, 'roads' | 'rivers' | 'bbox' | 'center'>,
  traffic: readonly SensorSite[],
): Array<{ bridge: Road; sensors: SensorSite[] }> {
  const bridges = city.roads.filter((r) => r.roadClass === 'bridge');
  let watched = bridges
    .map((bridge) => ({ bridge, sensors: traffic.filter((s) => s.roadId === bridge.id) }))
    .filter((w) => w.sensors.length > 0);
  if (watched.length === 0) {
    watched = bridges
      .map((bridge) => {
        const ends = [bridge.line[0]!, bridge.line[bridge.line.length - 1]!].map(([lng, lat]) => ({ lng, lat }));
        return { bridge, sensors: traffic.filter((s) => ends.some((e) => distM(s, e) <= BRIDGE_END_M)) };
      })
      .filter((w) => w.sensors.length > 0);
  }
  const widest = city.rivers.filter((r) => r.polygon.length > 0).sort((a, b) => b.widthM - a.widthM)[0];
  if (!widest) return watched;
  const water = new PolygonIndex([widest.polygon]);
  const proj = cityProjection(city);
  const across = watched.filter(({ bridge }) => {
    const [lng, lat] = proj.pointAlong(bridge.line, proj.lineLengthM(bridge.line) / 2).point;
    return water.contains(lng, lat);
  });
  return across.length > 0 ? across : watched;
}

/** Generates the bridge-crash run. */
export function generateBridgeCrash(options: ScenarioOptions, knobs: Partial<BridgeCrashKnobs> = {}): ScenarioRun {
  const k: BridgeCrashKnobs = { ...BRIDGE_CRASH_KNOBS, ...knobs };
  const b = dryWeatherScenario('bridge_crash', options, k.durationMs);
  const city = b.city;
  const rnd = b.random.fork('crash');
  const traffic = sitesOfKind(city, 'traffic_flow');
  const cameras = assetsOfKind(city, 'camera');

  const bridges = crashBridges(city, traffic);
  if (bridges.length === 0)
    throw new Error('bridge_crash needs a bridge (roads.geojson bridge: true) with traffic sensors on it: the city has none');
  const { bridge, sensors: bridgeSensors } = rnd.pick(bridges);
  // Along the bridge in metres of the city's own latitude.
  const proj = cityProjection(city);
  const length = proj.lineLengthM(bridge.line);
  const [lng, lat] = proj.pointAlong(bridge.line, length * rnd.range(0.35, 0.65)).point;
  const crash = { lng, lat };
  const start = b.startMs + rnd.range(15, 35) * MINUTE_MS;
  const cleared = start + rnd.range(35, 60) * MINUTE_MS;

  // The sensor nearest the crash sees the standing queue; the other direction slows to look.
  const [queueSensor, ...others] = bridgeSensors.slice().sort((p, q) => distM(p, crash) - distM(q, crash));
  const queueDelay = rnd.range(1, 3) * MINUTE_MS;
  const recovery = rnd.range(10, 15) * MINUTE_MS;
  if (queueSensor) {
    const jamSpeed = rnd.range(1.5, 4);
    b.series(queueSensor, (t, r) =>
      jammed(
        sampleSignals(queueSensor, t, b.weather, r),
        envelope(t, start + queueDelay, 3 * MINUTE_MS, cleared + recovery, recovery),
        jamSpeed + r.normal() * 0.8,
        0.15,
      ),
    );
  }
  for (const site of others) {
    const slow = rnd.range(8, 13);
    b.series(site, (t, r) =>
      jammed(
        sampleSignals(site, t, b.weather, r),
        envelope(t, start + queueDelay + 2 * MINUTE_MS, 5 * MINUTE_MS, cleared + recovery, recovery),
        slow + r.normal(),
        0.6,
      ),
    );
  }

  // The crash camera: the nearest public camera if one overlooks the bridge, else the bridge's own CCTV.
  const camera = within(cameras, crash, 800)[0] ?? { lng: crash.lng, lat: crash.lat, id: 'bridge-cctv' };
  const seenAt = start + rnd.range(0.5, 3) * MINUTE_MS;
  b.video(camera, seenAt, 'crash', '交通事故识别 crash detected', 4);
  b.video(camera, seenAt + rnd.range(8, 12) * MINUTE_MS, 'congestion', '拥堵识别 congestion detected', 3);
  const calls = 2 + rnd.int(4);
  for (let i = 0; i < calls; i++) b.hotline(crash, start + rnd.range(1, 10) * MINUTE_MS, 'traffic', rnd.pick(CALLS), 300, 3);
  // A witness who drove on calls only after getting home: evidence that lags by half an hour.
  const lateCall = b.hotline(
    crash,
    start + rnd.range(25, 40) * MINUTE_MS,
    'traffic',
    '刚才桥上看到车祸，不知道处理了没有 Saw a crash on the bridge earlier, is it handled?',
    300,
    2,
  );
  b.distract(
    'lagging_evidence',
    `hotline ${lateCall.id} about the bridge crash is made ${Math.round((lateCall.ts - start) / MINUTE_MS)} min after it`,
  );
  b.truth({
    type: 'traffic_accident',
    lng: crash.lng,
    lat: crash.lat,
    assetId: bridge.id,
    start,
    end: cleared,
    notes: `${bridge.nameEn}; ${bridgeSensors.length} bridge sensor(s); crash video; ${calls} call(s); spill-over on approaches`,
  });

  // Spill-over: approach roads jam minutes later; one even reaches alarm-level speeds.
  const approaches = within(traffic, crash, k.spilloverRadiusM)
    .filter((s) => s.roadId !== bridge.id && !b.hasSeries(s.id))
    .slice(0, 5);
  approaches.forEach((site: SensorSite, i) => {
    const lagMs = rnd.range(5, 12) * MINUTE_MS;
    const jamSpeed = i === 0 ? rnd.range(3, 5) : rnd.range(9, 15);
    b.series(site, (t, r) =>
      jammed(
        sampleSignals(site, t, b.weather, r),
        envelope(t, start + lagMs, 6 * MINUTE_MS, cleared + recovery + lagMs, recovery),
        jamSpeed + r.normal(),
        0.5,
      ),
    );
    b.distract(
      'spillover',
      `${site.id} (${site.roadId ?? 'street'}, ${Math.round(distM(site, crash))} m away) jams to ~${jamSpeed.toFixed(0)} km/h behind the bridge crash; not a separate accident`,
    );
  });
  const jamCam = cameras.filter((c) => distM(c, crash) > 1_500 && distM(c, crash) < 5_000);
  if (jamCam.length > 0) {
    const cam = rnd.pick(jamCam);
    const ts = start + rnd.range(12, 25) * MINUTE_MS;
    b.video(cam, ts, 'congestion', '拥堵识别 congestion detected', 2);
    b.distract(
      'spillover',
      `camera ${cam.id} flags congestion ${Math.round(distM(cam, crash))} m from the crash at ${fmtTime(ts, b.startMs)}: queue behind the crash`,
    );
  }
  const approach = approaches[0];
  if (approach) {
    const e = b.hotline(
      approach,
      start + rnd.range(15, 30) * MINUTE_MS,
      'traffic',
      '桥头堵死了，半小时没动 Completely stuck before the bridge, not moved for half an hour',
      200,
      2,
    );
    b.distract('spillover', `hotline ${e.id} complains about the jam on the approach (${Math.round(distM(e, crash))} m from the crash)`);
  }

  // A second, minor crash on a city road far from the bridge: a sensor alarm and a call or two, no camera.
  if (rnd.next() < k.secondCrashChance) {
    const pool = traffic.filter((s) => !b.hasSeries(s.id) && distM(s, crash) > 8_000 && s.roadId !== undefined);
    const [site] = sample(rnd, pool, 1);
    if (site) {
      const s2 = b.startMs + rnd.range(45, 80) * MINUTE_MS;
      const e2 = s2 + rnd.range(25, 40) * MINUTE_MS;
      const jamSpeed = rnd.range(2, 4.5);
      b.series(site, (t, r) =>
        jammed(
          sampleSignals(site, t, b.weather, r),
          envelope(t, s2 + 2 * MINUTE_MS, 3 * MINUTE_MS, e2 + 8 * MINUTE_MS, 8 * MINUTE_MS),
          jamSpeed,
          0.2,
        ),
      );
      const [cLng, cLat] = b.jitter(site, 150);
      const n = 1 + rnd.int(2);
      for (let i = 0; i < n; i++)
        b.hotline(
          { lng: cLng, lat: cLat },
          s2 + rnd.range(3, 14) * MINUTE_MS,
          'traffic',
          '路口两车剐蹭，占了车道 Two cars scraped at the junction, a lane blocked',
          250,
          2,
        );
      b.truth({
        type: 'traffic_accident',
        lng: cLng,
        lat: cLat,
        start: s2,
        end: e2,
        notes: `minor crash near ${site.id}; ${n} call(s); no camera`,
      });
      b.distract('missing_evidence', `minor crash near ${site.id} at ${fmtTime(s2, b.startMs)}: no camera saw it`);
    }
  }

  // Distractors.
  const truthPlaces = b.groundTruth.map((t) => ({ lng: t.lng, lat: t.lat }));
  const far = (s: SensorSite): boolean => truthPlaces.every((p) => distM(p, s) > 5_000);
  b.stuckWaterLevel(far);
  const [noisy] = sample(
    rnd,
    traffic.filter((s) => !b.hasSeries(s.id) && far(s)),
    1,
  );
  if (noisy) b.noisySensor(noisy, { speed_kmh: rnd.range(1, 4.5) }, b.startMs + rnd.range(10, 100) * MINUTE_MS, 2);
  b.falseDetection('crash', '交通事故识别 crash detected', 'a broken-down lorry on the hard shoulder', truthPlaces);
  b.unrelatedCalls(4 + rnd.int(3), [{ category: 'traffic', text: '路边违停严重 Cars parked illegally along the road all day' }]);
  b.standardBackground({ traffic_flow: 140 });
  b.duplicateSomeHotlineCases(1 + rnd.int(2));
  return b.finish();
}
