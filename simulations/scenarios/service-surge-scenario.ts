/**
 * A service-hall surge (一网通办): a policy deadline brings a crowd to one government service
 * hall; its queue and waiting time climb past the alarm thresholds until extra counters open,
 * and a few people complain to the hotline. Sometimes a smaller surge at a second hall.
 */
import { DEFAULT_ALARM_RULES } from '../../twin-model/alarm-rules.ts';
import type { Asset, SensorSite } from '../../twin-model/city/city-types.ts';
import { sampleSignals } from '../signal-patterns.ts';
import {
  HOUR_MS,
  MINUTE_MS,
  assetsOfKind,
  dryWeatherScenario,
  distM,
  envelope,
  fmtTime,
  noiseFree,
  sample,
  sitesOfKind,
} from './scenario-kit.ts';
import type { ScenarioOptions, ScenarioRun } from './scenario-types.ts';

const WAIT_RULE = DEFAULT_ALARM_RULES.service_hall.metrics.find((m) => m.metric === 'wait_min')!;
/** The twin's waiting-time warning for a service hall: the level at which a hall counts as overwhelmed. */
const WAIT_WARNING = WAIT_RULE.warning;
/** How long the wait must stay over the warning before the twin enters it (its on-delay). */
const WAIT_ON_DELAY_MS = WAIT_RULE.onDelayMs ?? 0;

/** Knobs of the service-surge scenario. */
export interface ServiceSurgeKnobs {
  durationMs: number;
  secondSurgeChance: number;
  /**
   * The true waiting time (min) at which a hall counts as overwhelmed: the twin's wait warning.
   * It ends below the warning's exit value. (A queue length does not say it: a big hall's
   * normal 10:00 queue is longer than a small hall's surge.)
   */
  overwhelmedWaitMin: number;
  /** People queueing at the busiest counter group from when the crowd starts to complain. */
  complainQueue: number;
}

export const SERVICE_SURGE_KNOBS: Readonly<ServiceSurgeKnobs> = {
  durationMs: 2 * HOUR_MS,
  secondSurgeChance: 0.5,
  overwhelmedWaitMin: WAIT_WARNING.enter,
  complainQueue: 40,
};

const COMPLAINTS = [
  { category: 'other', text: '政务大厅排队两个多小时还没办上 Queued over two hours at the service hall and still not served' },
  { category: 'other', text: '办事窗口太少，等太久了 Too few counters open, the wait is far too long' },
  { category: 'crowd', text: '政务中心里人太多了，挤不进去 The service centre is packed, cannot get in' },
];

interface Surge {
  hall: Asset;
  sensors: SensorSite[];
  from: number;
  rampMs: number;
  until: number;
  people: number;
}

/** Generates the service-surge run. */
export function generateServiceSurge(options: ScenarioOptions, knobs: Partial<ServiceSurgeKnobs> = {}): ScenarioRun {
  const k: ServiceSurgeKnobs = { ...SERVICE_SURGE_KNOBS, ...knobs };
  const b = dryWeatherScenario('service_surge', options, k.durationMs);
  const city = b.city;
  const rnd = b.random.fork('surge');
  const hallSites = sitesOfKind(city, 'service_hall');
  const halls = assetsOfKind(city, 'service_hall').filter((h) => hallSites.some((s) => s.assetId === h.id));
  const sensorsOf = (h: Asset): SensorSite[] => hallSites.filter((s) => s.assetId === h.id);

  const surges: Surge[] = [];
  const main = rnd.pick(halls);
  const from = b.startMs + rnd.range(15, 35) * MINUTE_MS;
  surges.push({
    hall: main,
    sensors: sensorsOf(main),
    from,
    rampMs: rnd.range(20, 30) * MINUTE_MS,
    until: from + rnd.range(60, 80) * MINUTE_MS,
    people: rnd.range(75, 120),
  });
  if (rnd.next() < k.secondSurgeChance) {
    const [other] = sample(
      rnd,
      halls.filter((h) => distM(h, main) > 5_000),
      1,
    );
    if (other) {
      const f2 = b.startMs + rnd.range(40, 60) * MINUTE_MS;
      surges.push({
        hall: other,
        sensors: sensorsOf(other),
        from: f2,
        rampMs: rnd.range(15, 25) * MINUTE_MS,
        until: f2 + rnd.range(35, 50) * MINUTE_MS,
        people: rnd.range(55, 75),
      });
    }
  }

  surges.forEach((surge, index) => {
    // Each queue sensor (a counter group) gets a share of the crowd; the first the biggest.
    const shares = surge.sensors.map((_, i) => (i === 0 ? 0.6 : 0.4 / Math.max(1, surge.sensors.length - 1)));
    if (surge.sensors.length === 1) shares[0] = 1;
    const perPerson = rnd.range(1.0, 1.4); // minutes of extra wait per person ahead
    const crowd = (t: number): number => surge.people * envelope(t, surge.from, surge.rampMs, surge.until, 20 * MINUTE_MS);
    surge.sensors.forEach((site, i) => {
      const share = shares[i] ?? 0;
      // The main hall's second queue feed sits behind a slow metrics gateway.
      const lag =
        index === 0 && i === 1 ? { from: surge.from, to: surge.until, delayMs: Math.round(rnd.range(8, 14) * MINUTE_MS) } : undefined;
      b.series(
        site,
        (t, r) => {
          const base = sampleSignals(site, t, b.weather, r);
          const extra = crowd(t) * share * (1 + 0.05 * r.normal());
          return { queue_length: (base.queue_length ?? 0) + extra, wait_min: (base.wait_min ?? 0) + extra * perPerson };
        },
        lag ? { lag } : {},
      );
      if (lag)
        b.distract('lagging_evidence', `queue feed ${site.id} arrives ${Math.round(lag.delayMs / MINUTE_MS)} min late during the surge`);
    });

    const busiest = surge.sensors[0];
    if (!busiest) return;
    const calm = noiseFree(rnd);
    const trueQueue = (t: number): number => (sampleSignals(busiest, t, b.weather, calm).queue_length ?? 0) + crowd(t) * (shares[0] ?? 0);
    // The truth from the noise-free waiting time at the hall's most delayed counter group,
    // entering and leaving as the twin's wait warning does: the wait must stay over the warning
    // for its on-delay (the event then starts where it crossed), and leaves below the exit value.
    // Over it without a break: the twin holds a pending rise through dips down to the exit value
    // because its readings are noisy (±5 min); the noise-free wait has no such noise to ride out.
    const trueWait = (t: number): number =>
      Math.max(
        ...surge.sensors.map(
          (site, i) => (sampleSignals(site, t, b.weather, calm).wait_min ?? 0) + crowd(t) * (shares[i] ?? 0) * perPerson,
        ),
      );
    const exitWait = k.overwhelmedWaitMin - (WAIT_WARNING.enter - WAIT_WARNING.exit);
    let crowded: number | undefined;
    let over: number | undefined;
    let start: number | undefined;
    let end: number | undefined;
    let peakWait = 0;
    for (let t = b.startMs; t < b.endMs + HOUR_MS; t += MINUTE_MS) {
      if (t < surge.from) continue;
      if (crowded === undefined && trueQueue(t) >= k.complainQueue) crowded = t;
      const w = trueWait(t);
      peakWait = Math.max(peakWait, w);
      if (start === undefined) {
        if (w < k.overwhelmedWaitMin) over = undefined;
        else if (over === undefined) over = t;
        if (over !== undefined && t - over >= WAIT_ON_DELAY_MS) start = over;
      } else if (start !== undefined && w < exitWait) {
        end = t;
        break;
      }
    }
    if (crowded === undefined) return;
    const calls = index === 0 ? 2 + rnd.int(3) : 0;
    for (let i = 0; i < calls; i++) {
      const c = rnd.pick(COMPLAINTS);
      // People complain after they have waited a while in a long queue.
      b.hotline(surge.hall, crowded + rnd.range(15, 40) * MINUTE_MS, c.category, c.text, 150, 2);
    }
    if (start === undefined) {
      // A smaller crowd the hall absorbed: long queues, but waits stayed under the warning
      // (or over it for less than its on-delay).
      b.distract(
        'below_threshold',
        `a crowd at ${surge.hall.id} from ${fmtTime(crowded, b.startMs)}: waits peaked at ${peakWait.toFixed(0)} min, not over the ${k.overwhelmedWaitMin}-min warning for ${WAIT_ON_DELAY_MS / MINUTE_MS} min (no event)`,
      );
      return;
    }
    if (calls === 0) b.distract('missing_evidence', `nobody complained about the surge at ${surge.hall.id} (${fmtTime(start, b.startMs)})`);
    b.truth({
      type: 'service_surge',
      lng: surge.hall.lng,
      lat: surge.hall.lat,
      assetId: surge.hall.id,
      start,
      end: end ?? b.endMs + HOUR_MS,
      notes: `+${surge.people.toFixed(0)} people over ${surge.sensors.length} queue sensor(s); ${calls} complaint(s)`,
    });
  });

  // Distractors.
  const truthPlaces = b.groundTruth.map((t) => ({ lng: t.lng, lat: t.lat }));
  const far = (s: { lng: number; lat: number }): boolean => truthPlaces.every((p) => distM(p, s) > 3_000);
  b.stuckWaterLevel(far);
  const [glitch] = sample(
    rnd,
    hallSites.filter((s) => !b.hasSeries(s.id) && far(s)),
    1,
  );
  if (glitch) b.noisySensor(glitch, { queue_length: rnd.range(85, 110) }, b.startMs + rnd.range(60, 110) * MINUTE_MS, 1);
  b.falseDetection('crowd', '人群聚集识别 crowd detected', 'a tour group posing for photos', truthPlaces);
  b.unrelatedCalls(4 + rnd.int(3), [{ category: 'other', text: '社保卡补办流程不清楚 Unclear how to replace a social-security card' }]);
  // The other halls report normally (background). The busiest of them reach the warning in
  // their ordinary 10:00 peak: two such halls stay in as recorded distractors.
  const peaking = sample(
    rnd,
    hallSites.filter((s) => !b.hasSeries(s.id) && far(s) && b.normallyWarns(s)),
    2,
  );
  for (const site of peaking) {
    b.normal(site);
    b.distract('noisy_sensor', `${site.id} reaches its queue/wait warning in its normal daily peak (busy hall, not a surge)`);
  }
  b.standardBackground({ service_hall: 40, city_code: 50 });
  b.duplicateSomeHotlineCases(1);
  return b.finish();
}
