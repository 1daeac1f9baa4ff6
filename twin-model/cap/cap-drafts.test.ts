import { describe, expect, it } from 'vitest';
import {
  CAP_INCIDENT_PROFILES,
  capCancel,
  capCertaintyOf,
  capDraftFromIncident,
  capSeverityOf,
  capStamp,
  capUpdate,
  capUrgencyOf,
  type CapIncident,
} from './cap-drafts.ts';
import { capReferenceOf, type CapAlert } from './cap-types.ts';
import { CapValidationError } from './cap-validate.ts';
import { parseCapXml } from './cap-xml.ts';
import { buildCapXml } from './cap-xml-writer.ts';
import { CITY, INCIDENT, SENDER, T0 } from './fixtures/cap-fixtures.ts';

const WATERLOGGING = INCIDENT;
const AT = T0;

function draft(over: Partial<CapIncident> = {}): CapAlert {
  return capDraftFromIncident({ ...WATERLOGGING, ...over }, CITY, { sender: SENDER, at: AT });
}

function roundTrip(alert: CapAlert): CapAlert {
  const r = parseCapXml(buildCapXml(alert));
  expect(r.ok ? r.warnings : r.problems).toEqual([]);
  if (!r.ok) throw new Error('invalid');
  return r.alert;
}

describe('capDraftFromIncident', () => {
  it('drafts valid CAP from a waterlogging incident, in zh-CN and en-US', () => {
    const alert = draft();
    expect(roundTrip(alert)).toEqual(alert);
    expect(alert).toMatchObject({
      identifier: 'wuhan-inc-000012-20260701T060500',
      sender: SENDER,
      sent: '2026-07-01T14:05:00+08:00',
      status: 'Actual',
      msgType: 'Alert',
      scope: 'Public',
      references: [],
      incidents: ['inc-000012'],
    });
    expect(alert.infos.map((i) => i.language)).toEqual(['zh-CN', 'en-US']);
    const [zh, en] = alert.infos;
    for (const info of [zh!, en!]) {
      expect(info).toMatchObject({
        categories: ['Met', 'Transport'],
        responseTypes: ['Avoid'],
        urgency: 'Immediate',
        severity: 'Severe',
        certainty: 'Likely',
        eventCodes: [{ valueName: 'citytwin:incident-type', value: 'waterlogging' }],
        onset: '2026-07-01T14:00:00+08:00',
        expires: '2026-07-01T17:05:00+08:00',
      });
      expect(info.areas).toHaveLength(1);
      // CAP's circle: "lat,lon radius_km".
      expect(info.areas[0]!.circles).toEqual([{ lat: 30.586, lon: 114.265, radiusKm: 0.5 }]);
    }
    expect(zh).toMatchObject({ event: '道路积水', headline: '江汉区道路积水预警', senderName: '武汉城市运行指挥中心' });
    expect(zh!.instruction).toBe(CAP_INCIDENT_PROFILES.waterlogging.instruction.zh);
    expect(zh!.areas[0]!.areaDesc).toBe('江汉区事发地点周边500米');
    expect(zh!.description).toBe('14:00起，江汉区发生道路积水。');
    expect(en).toMatchObject({ event: 'Road waterlogging', headline: 'Road waterlogging warning: Jianghan District' });
    expect(en!.instruction).toMatch(/^Do not walk or drive through flooded streets/);
    expect(en!.areas[0]!.areaDesc).toBe('Within 500 m of the incident, Jianghan District');
  });

  it('writes the circle latitude first in the XML', () => {
    expect(buildCapXml(draft())).toContain('<circle>30.586,114.265 0.5</circle>');
  });

  it('uses the incident affected radius, or its affected area as a polygon in lat,lon order', () => {
    expect(draft({ affectedRadiusM: 1250 }).infos[0]!.areas[0]!.circles[0]!.radiusKm).toBe(1.25);
    const polygon = draft({
      affectedArea: [
        [
          [114.26, 30.58],
          [114.27, 30.58],
          [114.27, 30.59],
          [114.26, 30.59],
        ],
      ],
    });
    const area = polygon.infos[1]!.areas[0]!;
    expect(area.circles).toEqual([]);
    // The open ring is closed; each [lng, lat] becomes lat,lon.
    expect(area.polygons).toEqual([
      [
        { lat: 30.58, lon: 114.26 },
        { lat: 30.58, lon: 114.27 },
        { lat: 30.59, lon: 114.27 },
        { lat: 30.59, lon: 114.26 },
        { lat: 30.58, lon: 114.26 },
      ],
    ]);
    expect(buildCapXml(polygon)).toContain('<polygon>30.58,114.26 30.58,114.27 30.59,114.27 30.59,114.26 30.58,114.26</polygon>');
    expect(roundTrip(polygon)).toEqual(polygon);
  });

  it('names the place by coordinates when the district is unknown', () => {
    const alert = draft({ district: '999999' });
    expect(alert.infos[1]!.headline).toBe('Road waterlogging warning: (30.586, 114.265)');
  });

  it('drafts every incident type as valid CAP', () => {
    for (const type of Object.keys(CAP_INCIDENT_PROFILES) as Array<CapIncident['type']>) {
      const alert = draft({ type });
      expect(roundTrip(alert)).toEqual(alert);
      expect(alert.infos.every((i) => i.instruction && i.instruction.length > 10)).toBe(true);
    }
  });

  it('refuses a sender CAP does not allow, naming the element', () => {
    expect(() => capDraftFromIncident(WATERLOGGING, CITY, { sender: 'City Brain', at: AT })).toThrow(CapValidationError);
    expect(() => capDraftFromIncident(WATERLOGGING, CITY, { sender: 'City Brain', at: AT })).toThrow('alert/sender: "City Brain"');
  });

  it('refuses an incident severity or confidence out of range, quoting it', () => {
    expect(() => draft({ severity: 7 })).toThrow('incident severity 7 is not a number from 1 to 5');
    expect(() => draft({ confidence: 1.5 })).toThrow('incident confidence 1.5 is not a number from 0 to 1');
    expect(() => draft({ affectedRadiusM: -5 })).toThrow('affected radius -5 m');
  });
});

describe('the documented mappings', () => {
  it('maps severity 1–5 to CAP severity and urgency', () => {
    expect([1, 2, 3, 4, 5].map(capSeverityOf)).toEqual(['Minor', 'Minor', 'Moderate', 'Severe', 'Extreme']);
    expect([1, 2, 3, 4, 5].map(capUrgencyOf)).toEqual(['Expected', 'Expected', 'Immediate', 'Immediate', 'Immediate']);
  });

  it('maps confidence to CAP certainty at 0.3, 0.6 and 0.9', () => {
    expect([0, 0.29, 0.3, 0.59, 0.6, 0.89, 0.9, 1].map(capCertaintyOf)).toEqual([
      'Unlikely',
      'Unlikely',
      'Possible',
      'Possible',
      'Likely',
      'Likely',
      'Observed',
      'Observed',
    ]);
  });
});

describe('capUpdate and capCancel reference the original', () => {
  const original = draft();
  const later = (minutes: number) => capStamp(CITY, WATERLOGGING.id, AT + minutes * 60_000);

  it('an update carries exactly the original as "sender,identifier,sent"', () => {
    const update = capUpdate(original, {
      ...later(30),
      info: { severity: 'Extreme', expires: '2026-07-01T18:00:00+08:00' },
      byLanguage: { 'en-US': { instruction: 'Keep away from the Jianghan underpasses.' } },
    });
    expect(update).toMatchObject({ msgType: 'Update', identifier: 'wuhan-inc-000012-20260701T063500', sent: '2026-07-01T14:35:00+08:00' });
    expect(update.references).toEqual([
      { sender: SENDER, identifier: 'wuhan-inc-000012-20260701T060500', sent: '2026-07-01T14:05:00+08:00' },
    ]);
    expect(buildCapXml(update)).toContain(
      '<references>cap@citytwin.wuhan.example,wuhan-inc-000012-20260701T060500,2026-07-01T14:05:00+08:00</references>',
    );
    expect(update.infos.map((i) => [i.severity, i.expires])).toEqual([
      ['Extreme', '2026-07-01T18:00:00+08:00'],
      ['Extreme', '2026-07-01T18:00:00+08:00'],
    ]);
    expect(update.infos[1]!.instruction).toBe('Keep away from the Jianghan underpasses.');
    expect(update.infos[0]!.instruction).toBe(original.infos[0]!.instruction);
    expect(original.msgType).toBe('Alert');
    expect(roundTrip(update)).toEqual(update);
  });

  it('an update of an update references the chain, oldest first', () => {
    const first = capUpdate(original, later(30));
    const second = capUpdate(first, later(60));
    expect(second.references).toEqual([capReferenceOf(original), capReferenceOf(first)]);
  });

  it('a cancel references the original and gives the reason in note', () => {
    const update = capUpdate(original, later(30));
    const cancel = capCancel(update, '积水已排除 / The water has been pumped away.', later(90));
    expect(cancel).toMatchObject({ msgType: 'Cancel', note: '积水已排除 / The water has been pumped away.' });
    expect(cancel.references).toEqual([capReferenceOf(original), capReferenceOf(update)]);
    expect(cancel.infos).toEqual(update.infos);
    expect(roundTrip(cancel)).toEqual(cancel);
  });

  it('refuses to follow a cancel, to reuse the identifier, or to cancel without a reason', () => {
    const cancel = capCancel(original, 'false alarm', later(10));
    expect(() => capUpdate(cancel, later(20))).toThrow('is a Cancel; nothing can update it');
    expect(() => capCancel(original, 'x', { identifier: original.identifier, sent: original.sent })).toThrow('identifier of its own');
    expect(() => capCancel(original, '  ', later(10))).toThrow('a cancel needs a reason');
  });
});
