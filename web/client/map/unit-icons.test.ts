import { describe, expect, it } from 'vitest';
import { SENSOR_STATES } from '../../../twin-model/sensor-state.ts';
import { UNIT_KINDS } from '../../../twin-model/dispatch/unit-types.ts';
import { STATE_STYLES } from './sensor-style.ts';
import { ATLAS_KEYS, UNIT_ICONS, UNKNOWN_UNIT_ICON, unitIcon, type Rgb } from './unit-icons.ts';

/** Euclidean distance in RGB: below about 60 two colours read as the same on a dark map. */
const distance = (a: Rgb, b: Rgb): number => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

/** Relative luminance (WCAG 2.1), for the pictogram against its badge. */
function luminance([r, g, b]: Rgb): number {
  const lin = (c: number): number => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}
const contrast = (a: Rgb, b: Rgb): number => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
};

describe('unit symbols', () => {
  it('has a symbol for every unit kind, and an atlas cell for each and for an unknown kind', () => {
    expect(Object.keys(UNIT_ICONS).sort()).toEqual([...UNIT_KINDS].sort());
    expect([...ATLAS_KEYS]).toEqual([...UNIT_KINDS, 'unknown']);
    expect(unitIcon('hovercraft')).toBe(UNKNOWN_UNIT_ICON);
  });

  it('gives every kind its own badge shape and colour', () => {
    const shapes = UNIT_KINDS.map((k) => UNIT_ICONS[k].shapeName);
    expect(new Set(shapes).size).toBe(UNIT_KINDS.length);
    for (const a of UNIT_KINDS)
      for (const b of UNIT_KINDS) if (a < b) expect(distance(UNIT_ICONS[a].fill, UNIT_ICONS[b].fill), `${a} vs ${b}`).toBeGreaterThan(60);
  });

  it('uses no sensor state colour for a unit (a police car is not an unregistered sensor)', () => {
    for (const kind of UNIT_KINDS)
      for (const state of SENSOR_STATES) {
        const style = STATE_STYLES[state];
        // Unregistered sensors are hollow rings: their colour is the line's.
        const c = (state === 'unregistered' ? style.line : style.fill).slice(0, 3) as unknown as Rgb;
        expect(distance(UNIT_ICONS[kind].fill, c), `${kind} vs ${state}`).toBeGreaterThan(60);
      }
  });

  it('draws each pictogram in a colour that stands out from its badge (contrast ≥ 3:1)', () => {
    for (const kind of UNIT_KINDS) {
      const icon = UNIT_ICONS[kind];
      expect(icon.glyph.length).toBeGreaterThan(0);
      expect(contrast(icon.fill, icon.glyphColor), kind).toBeGreaterThanOrEqual(3);
    }
  });
});
