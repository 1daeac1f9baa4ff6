/**
 * The response units' symbols, bundled (no CDN, no image files): per kind a badge of its own
 * shape and colour with a pictogram — a water drop for a pump team, a flame for a fire engine,
 * a red cross for an ambulance, a star on a shield for police, a cone for traffic police. Each
 * is SVG path data in a 24×24 box, drawn as SVG in the page (legend, unit board, dispatch) and
 * onto a canvas atlas for the map's deck.gl IconLayer, so the map and the panels cannot differ.
 * The colours are none of the sensor state colours (sensor-style.ts; unit-icons.test.ts checks).
 */
import type { UnitKind } from '../../../twin-model/dispatch/unit-types.ts';

export type Rgb = readonly [number, number, number];

export interface UnitIcon {
  /** Badge outline (SVG path, 24×24 box). */
  shape: string;
  /** Name of the shape (tests: every kind has its own). */
  shapeName: string;
  /** Badge fill. */
  fill: Rgb;
  /** Pictogram paths and their colour. */
  glyph: readonly string[];
  glyphColor: Rgb;
}

const CIRCLE = 'M12 1a11 11 0 1 1 0 22a11 11 0 1 1 0-22z';
const ROUNDED = 'M5.5 1.5h13a4 4 0 0 1 4 4v13a4 4 0 0 1-4 4h-13a4 4 0 0 1-4-4v-13a4 4 0 0 1 4-4z';
const HEXAGON = 'M7 1.5h10l5.5 10.5L17 22.5H7L1.5 12z';
const SHIELD = 'M12 1l10 3.6v7.2c0 5.8-4.2 10-10 11.2C6.2 21.8 2 17.6 2 11.8V4.6z';
const DIAMOND = 'M12 .6 23.4 12 12 23.4.6 12z';

export const UNIT_ICONS: Readonly<Record<UnitKind, UnitIcon>> = {
  pump_team: {
    shape: CIRCLE,
    shapeName: 'circle',
    fill: [33, 118, 230],
    glyph: ['M12 4.2c-2.5 3.5-5.2 6.6-5.2 9.6a5.2 5.2 0 0 0 10.4 0c0-3-2.7-6.1-5.2-9.6z'],
    glyphColor: [255, 255, 255],
  },
  fire_engine: {
    shape: HEXAGON,
    shapeName: 'hexagon',
    fill: [196, 38, 150],
    glyph: ['M12.6 3.8c.5 3.2 4.6 5.2 4.6 9.7a5.2 5.2 0 0 1-10.4 0c0-2.4 1.2-4.1 2.4-5.2 0 1.7.6 2.8 1.7 3.5-.3-3.2.6-5.6 1.7-8z'],
    glyphColor: [255, 255, 255],
  },
  ambulance: {
    shape: ROUNDED,
    shapeName: 'rounded-square',
    fill: [246, 248, 252],
    glyph: ['M10 5.5h4v4.5h4.5v4H14v4.5h-4V14H5.5v-4H10z'],
    glyphColor: [214, 40, 40],
  },
  police: {
    shape: SHIELD,
    shapeName: 'shield',
    fill: [28, 58, 150],
    glyph: ['M12 5.6l1.75 3.75 4.1.45-3.05 2.8.85 4.05L12 14.6l-3.65 2.05.85-4.05-3.05-2.8 4.1-.45z'],
    glyphColor: [255, 255, 255],
  },
  traffic_police: {
    shape: DIAMOND,
    shapeName: 'diamond',
    fill: [196, 224, 58],
    glyph: ['M11 6.2h2l.9 3.3h-3.8z', 'M9.7 11h4.6l.8 2.8H8.9z', 'M8.5 15.2h7l.6 2.1h-8.2z'],
    glyphColor: [24, 34, 10],
  },
};

/** A kind the console does not know: a grey circle with a dot. */
export const UNKNOWN_UNIT_ICON: UnitIcon = {
  shape: CIRCLE,
  shapeName: 'circle',
  fill: [150, 160, 175],
  glyph: ['M12 9a3 3 0 1 1 0 6a3 3 0 1 1 0-6z'],
  glyphColor: [20, 26, 34],
};

/** The outline drawn around every badge (keeps it readable over roads, water and sensors). */
export const BADGE_OUTLINE: Rgb = [6, 11, 19];

export function unitIcon(kind: string): UnitIcon {
  return (UNIT_ICONS as Record<string, UnitIcon>)[kind] ?? UNKNOWN_UNIT_ICON;
}

/** CSS colour of a kind's badge (trips on the map, swatches). */
export function unitFillCss(kind: string): string {
  const [r, g, b] = unitIcon(kind).fill;
  return `rgb(${r}, ${g}, ${b})`;
}

const css = ([r, g, b]: Rgb): string => `rgb(${r}, ${g}, ${b})`;
const SVG_NS = 'http://www.w3.org/2000/svg';

/** The kind's symbol as an inline SVG element (no inline style: attributes only, CSP-safe). */
export function unitIconSvg(kind: string, label?: string): SVGSVGElement {
  const icon = unitIcon(kind);
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', 'unit-icon');
  svg.setAttribute('data-kind', kind);
  if (label) {
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', label);
  } else svg.setAttribute('aria-hidden', 'true');
  const badge = document.createElementNS(SVG_NS, 'path');
  badge.setAttribute('d', icon.shape);
  badge.setAttribute('fill', css(icon.fill));
  badge.setAttribute('stroke', css(BADGE_OUTLINE));
  badge.setAttribute('stroke-width', '1.2');
  svg.append(badge);
  for (const d of icon.glyph) {
    const p = document.createElementNS(SVG_NS, 'path');
    p.setAttribute('d', d);
    p.setAttribute('fill', css(icon.glyphColor));
    svg.append(p);
  }
  return svg;
}

/** The kind's symbol in a `.unit-swatch` span (unit board, dispatch section, legend). */
export function unitSymbol(kind: string): HTMLSpanElement {
  const span = document.createElement('span');
  span.className = 'unit-swatch';
  span.dataset.kind = kind;
  span.append(unitIconSvg(kind));
  return span;
}

/** Where each kind sits in the atlas (deck.gl IconLayer `iconMapping`). */
export type IconMapping = Record<string, { x: number; y: number; width: number; height: number; mask: boolean; anchorY: number }>;

/** Names in the atlas: the kinds, then `unknown`. */
export const ATLAS_KEYS = [...(Object.keys(UNIT_ICONS) as UnitKind[]), 'unknown'] as const;

let atlas: { canvas: HTMLCanvasElement; mapping: IconMapping } | null = null;

/**
 * Every symbol drawn once onto a canvas (`cell` px each, crisp at twice the drawn size): the
 * same paths as {@link unitIconSvg}, through Path2D.
 */
export function unitIconAtlas(cell = 64): { canvas: HTMLCanvasElement; mapping: IconMapping } {
  if (atlas && atlas.canvas.height === cell) return atlas;
  const canvas = document.createElement('canvas');
  canvas.width = cell * ATLAS_KEYS.length;
  canvas.height = cell;
  const ctx = canvas.getContext('2d');
  const mapping: IconMapping = {};
  ATLAS_KEYS.forEach((key, k) => {
    mapping[key] = { x: k * cell, y: 0, width: cell, height: cell, mask: false, anchorY: cell / 2 };
    if (!ctx) return;
    const icon = key === 'unknown' ? UNKNOWN_UNIT_ICON : unitIcon(key);
    ctx.save();
    ctx.translate(k * cell, 0);
    ctx.scale(cell / 24, cell / 24);
    const badge = new Path2D(icon.shape);
    ctx.fillStyle = css(icon.fill);
    ctx.fill(badge);
    ctx.lineWidth = 1.2;
    ctx.strokeStyle = css(BADGE_OUTLINE);
    ctx.stroke(badge);
    ctx.fillStyle = css(icon.glyphColor);
    for (const d of icon.glyph) ctx.fill(new Path2D(d));
    ctx.restore();
  });
  atlas = { canvas, mapping };
  return atlas;
}
