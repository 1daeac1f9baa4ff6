import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  applyWarningAlert,
  capToContext,
  pointInRing,
  raisedConfidence,
  signalColourOf,
  WARNING_REASON,
  warningEvidence,
  warningKindOf,
  type WarningIncident,
} from './cap-context.ts';
import { capCancel, capDraftFromIncident, capUpdate } from './cap-drafts.ts';
import type { CapAlert, CapInfo } from './cap-types.ts';
import { parseCapXml } from './cap-xml.ts';

const fixture = (name: string): CapAlert => {
  const r = parseCapXml(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.alert;
};

/** 暴雨红色预警 over central Hankou, 14:00–20:00 Beijing time (fixtures/rainstorm-red-warning.xml). */
const RAINSTORM = fixture('rainstorm-red-warning.xml');
const ISSUED = Date.UTC(2026, 6, 1, 6, 0);
const H = 3_600_000;

/** A waterlogging incident in Jianghan district, inside the warned polygon (30.56–30.64 N, 114.24–114.32 E). */
const INSIDE: WarningIncident = { type: 'waterlogging', lng: 114.265, lat: 30.586, openedAt: ISSUED + H };
/** The same kind of incident in Wuchang, south of the Yangtze: outside the polygon. */
const OUTSIDE: WarningIncident = { type: 'waterlogging', lng: 114.31, lat: 30.55, openedAt: ISSUED + H };

describe('capToContext', () => {
  it('turns the rainstorm red warning into one area, its translations folded together', () => {
    const [context, ...rest] = capToContext(RAINSTORM, ISSUED + H);
    expect(rest).toEqual([]);
    expect(context).toMatchObject({
      key: 'whqxt@weather.example.cn,42010041600000_20260701140000,2026-07-01T14:00:00+08:00#0',
      alert: { sender: 'whqxt@weather.example.cn', identifier: '42010041600000_20260701140000', sent: '2026-07-01T14:00:00+08:00' },
      status: 'Actual',
      kind: 'rainstorm',
      colour: 'red',
      severity: 'Extreme',
      effective: ISSUED,
      expires: ISSUED + 6 * H,
      geocodeOnly: false,
      own: false,
      active: true,
      circles: [],
      bbox: [114.24, 30.56, 114.32, 30.64],
    });
    expect(context!.texts.map((t) => [t.language, t.event])).toEqual([
      ['zh-CN', '暴雨红色预警'],
      ['en-US', 'Rainstorm Red Warning'],
    ]);
    // GeoJSON order: [lng, lat].
    expect(context!.rings).toEqual([
      [
        [114.24, 30.56],
        [114.32, 30.56],
        [114.32, 30.64],
        [114.24, 30.64],
        [114.24, 30.56],
      ],
    ]);
  });

  it('is not active before it takes effect or once it expires', () => {
    expect(capToContext(RAINSTORM, ISSUED - 1)[0]!.active).toBe(false);
    expect(capToContext(RAINSTORM, ISSUED + 6 * H)[0]!.active).toBe(false);
  });

  it('keeps geocode-only areas without geometry (the AMBER alert of CAP 1.2 Appendix A.4)', () => {
    const contexts = capToContext(fixture('spec-a4-amber-alert.xml'), Date.UTC(2003, 5, 12, 6));
    expect(contexts).toHaveLength(1);
    expect(contexts[0]).toMatchObject({ kind: 'other', geocodeOnly: true, rings: [], circles: [] });
  });

  it('reads circles in kilometres (the earthquake of Appendix A.3)', () => {
    const [quake] = capToContext(fixture('spec-a3-earthquake.xml'), Date.UTC(2003, 5, 12, 4));
    expect(quake).toMatchObject({ kind: 'earthquake', circles: [{ center: [-115.5527, 32.9525], radiusM: 0 }] });
  });
});

describe('warning kinds and colours', () => {
  const info = (event: string, headline?: string, eventCodes: CapInfo['eventCodes'] = []) => ({
    event,
    eventCodes,
    ...(headline ? { headline } : {}),
  });

  it.each([
    ['暴雨红色预警', 'rainstorm', 'red'],
    ['暴雨橙色预警信号', 'rainstorm', 'orange'],
    ['Rainstorm Red Warning', 'rainstorm', 'red'],
    ['Rainstorm Yellow Warning Signal', 'rainstorm', 'yellow'],
    ['雷雨大风黄色预警', 'thunderstorm', 'yellow'],
    ['大风蓝色预警', 'gale', 'blue'],
    ['高温橙色预警', 'heat', 'orange'],
    ['Heat Wave Orange Warning', 'heat', 'orange'],
    ['台风蓝色预警', 'typhoon', 'blue'],
    ['城市内涝风险预警', 'flood', null],
    ['道路结冰黄色预警', 'road_icing', 'yellow'],
    ['大雾橙色预警', 'fog', 'orange'],
    ['霾黄色预警', 'haze', 'yellow'],
    ['Flash Flood Warning', 'flood', null],
    ['SEVERE THUNDERSTORM', 'thunderstorm', null],
    ['Homeland Security Advisory System Update', 'other', null],
  ] as const)('%s → %s, %s', (event, kind, colour) => {
    expect(warningKindOf(info(event))).toBe(kind);
    expect(signalColourOf(info(event))).toBe(colour);
  });

  it('reads event codes first (SAME, and CityTwin’s own incident types), then the headline', () => {
    expect(warningKindOf(info('Warning', undefined, [{ valueName: 'SAME', value: 'FFW' }]))).toBe('flood');
    expect(warningKindOf(info('道路积水', undefined, [{ valueName: 'citytwin:incident-type', value: 'waterlogging' }]))).toBe('flood');
    expect(warningKindOf(info('气象灾害预警', '武汉市气象台发布暴雨黄色预警信号'))).toBe('rainstorm');
    expect(signalColourOf(info('气象灾害预警', '武汉市气象台发布暴雨黄色预警信号'))).toBe('yellow');
  });

  it('takes the severity from the colour when the message says Unknown', () => {
    const unknown = structuredClone(RAINSTORM);
    for (const i of unknown.infos) i.severity = 'Unknown';
    unknown.infos[0]!.event = '暴雨橙色预警';
    unknown.infos[1]!.event = 'Rainstorm Orange Warning';
    expect(capToContext(unknown, ISSUED).map((c) => [c.colour, c.severity])).toEqual([['orange', 'Severe']]);
  });
});

describe('warningEvidence', () => {
  const contexts = capToContext(RAINSTORM, ISSUED + H);

  it('raises a waterlogging incident inside the rainstorm red warning by 0.2, with a reason code and parameters', () => {
    const evidence = warningEvidence(INSIDE, contexts);
    expect(evidence).toEqual([
      {
        reason: WARNING_REASON,
        warningKey: contexts[0]!.key,
        boost: 0.2,
        params: {
          kind: 'rainstorm',
          severity: 'Extreme',
          colour: 'red',
          sender: 'whqxt@weather.example.cn',
          identifier: '42010041600000_20260701140000',
          inside: 'polygon',
          effective: ISSUED,
          expires: ISSUED + 6 * H,
        },
      },
    ]);
    expect(raisedConfidence(0.64, evidence)).toBe(0.84);
  });

  it('does not cover an incident outside the area', () => {
    expect(warningEvidence(OUTSIDE, contexts)).toEqual([]);
  });

  it('does not support incident types the warning says nothing about', () => {
    expect(warningEvidence({ ...INSIDE, type: 'fire' }, contexts)).toEqual([]);
  });

  it('counts only while the warning is in force during the incident', () => {
    expect(warningEvidence({ ...INSIDE, openedAt: ISSUED - 2 * H, lastEvidenceAt: ISSUED - H }, contexts)).toEqual([]);
    expect(warningEvidence({ ...INSIDE, openedAt: ISSUED + 6 * H }, contexts)).toEqual([]);
    // Opened before the warning, still gathering evidence after it: covered.
    expect(warningEvidence({ ...INSIDE, openedAt: ISSUED - H, lastEvidenceAt: ISSUED + 10 * 60_000 }, contexts)).toHaveLength(1);
  });

  it('ignores exercises and tests', () => {
    expect(warningEvidence(INSIDE, capToContext({ ...RAINSTORM, status: 'Exercise' }, ISSUED))).toEqual([]);
    expect(warningEvidence(INSIDE, capToContext({ ...RAINSTORM, status: 'Test' }, ISSUED))).toEqual([]);
  });

  it('scales the boost with severity', () => {
    const boostAt = (severity: CapInfo['severity'], event = '暴雨预警') => {
      const alert = structuredClone(RAINSTORM);
      for (const i of alert.infos) Object.assign(i, { severity, event, headline: event });
      return warningEvidence(INSIDE, capToContext(alert, ISSUED))[0]!.boost;
    };
    expect(['Minor', 'Moderate', 'Severe', 'Extreme', 'Unknown'].map((s) => boostAt(s as CapInfo['severity']))).toEqual([
      0.1, 0.13, 0.16, 0.2, 0.1,
    ]);
    // Unknown severity with a colour: the colour decides (red → Extreme).
    expect(boostAt('Unknown', '暴雨红色预警')).toBe(0.2);
  });

  it('covers points within a circle and not beyond it (a heat warning of 10 km)', () => {
    const heat: CapAlert = {
      ...structuredClone(RAINSTORM),
      identifier: 'heat-1',
      infos: [
        {
          ...structuredClone(RAINSTORM.infos[0]!),
          event: '高温黄色预警',
          headline: '武汉市气象台发布高温黄色预警信号',
          severity: 'Moderate',
          areas: [{ areaDesc: '武汉市中心城区', polygons: [], circles: [{ lat: 30.59, lon: 114.3, radiusKm: 10 }], geocodes: [] }],
        },
      ],
    };
    const [context] = capToContext(heat, ISSUED);
    // 0.05° of latitude ≈ 5.5 km north of the centre: inside; 0.1° ≈ 11.1 km: outside.
    const near = warningEvidence({ type: 'heat_stress', lng: 114.3, lat: 30.64, openedAt: ISSUED }, [context!]);
    expect(near).toEqual([
      expect.objectContaining({ boost: 0.13, params: expect.objectContaining({ kind: 'heat', inside: 'circle', distanceM: 5560 }) }),
    ]);
    expect(warningEvidence({ type: 'heat_stress', lng: 114.3, lat: 30.69, openedAt: ISSUED }, [context!])).toEqual([]);
    expect(warningEvidence({ type: 'power_outage', lng: 114.3, lat: 30.64, openedAt: ISSUED }, [context!])[0]!.boost).toBe(0.05);
  });

  it('lists the strongest warning first and raises by it alone, never above 0.99', () => {
    const orange = structuredClone(RAINSTORM);
    orange.identifier = 'orange-1';
    for (const i of orange.infos) i.severity = 'Severe';
    const evidence = warningEvidence(INSIDE, [...capToContext(orange, ISSUED), ...contexts]);
    expect(evidence.map((e) => e.boost)).toEqual([0.2, 0.16]);
    expect(raisedConfidence(0.5, evidence)).toBe(0.7);
    expect(raisedConfidence(0.95, evidence)).toBe(0.99);
    expect(raisedConfidence(0.995, evidence)).toBe(0.995);
    expect(raisedConfidence(0.5, [])).toBe(0.5);
  });
});

describe('applyWarningAlert', () => {
  it('an update replaces the warning it references, a cancel removes it, expired ones go', () => {
    let held = applyWarningAlert([], RAINSTORM, ISSUED);
    expect(held).toHaveLength(1);
    expect(applyWarningAlert(held, RAINSTORM, ISSUED)).toHaveLength(1);
    const update = capUpdate(RAINSTORM, {
      identifier: '42010041600000_20260701150000',
      sent: '2026-07-01T15:00:00+08:00',
      info: { severity: 'Severe' },
    });
    held = applyWarningAlert(held, update, ISSUED + H);
    expect(held.map((c) => [c.alert.identifier, c.severity, c.msgType])).toEqual([['42010041600000_20260701150000', 'Severe', 'Update']]);
    const cancel = capCancel(update, '解除暴雨预警', { identifier: '42010041600000_20260701160000', sent: '2026-07-01T16:00:00+08:00' });
    expect(applyWarningAlert(held, cancel, ISSUED + 2 * H)).toEqual([]);
    expect(applyWarningAlert(held, fixture('spec-a2-thunderstorm.xml'), ISSUED + 6 * H).map((c) => c.kind)).toEqual([]);
  });

  it('takes CityTwin’s own alerts back in for the map, never as evidence', () => {
    const own = capDraftFromIncident(
      { id: 'inc-1', type: 'waterlogging', lng: 114.265, lat: 30.586, severity: 3, confidence: 0.7, openedAt: ISSUED },
      { id: 'wuhan', timezone: 'Asia/Shanghai' },
      { sender: 'cap@citytwin.wuhan.example', at: ISSUED },
    );
    const held = applyWarningAlert([], own, ISSUED);
    expect(held.map((c) => [c.kind, c.own, c.texts.length])).toEqual([['flood', true, 2]]);
    expect(warningEvidence(INSIDE, held)).toEqual([]);
    expect(warningEvidence(INSIDE, [{ ...held[0]!, own: false }])[0]!.params).toMatchObject({ inside: 'circle', distanceM: 0 });
  });
});

describe('pointInRing', () => {
  const square: Array<[number, number]> = [
    [0, 0],
    [1, 0],
    [1, 1],
    [0, 1],
    [0, 0],
  ];
  it('tells inside from outside', () => {
    expect(pointInRing(0.5, 0.5, square)).toBe(true);
    expect(pointInRing(1.5, 0.5, square)).toBe(false);
    expect(pointInRing(0.5, -0.1, square)).toBe(false);
  });
});
