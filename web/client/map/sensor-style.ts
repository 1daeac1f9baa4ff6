/**
 * How each sensor state is drawn. The same colours are used by the legend (console.css reads
 * them as CSS custom properties set from here, so the two cannot drift apart).
 */
import { SENSOR_STATES, type SensorStateName } from '../../../twin-model/sensor-state.ts';

export type Rgba = readonly [number, number, number, number];

export interface StateStyle {
  fill: Rgba;
  line: Rgba;
  /** Radius in CSS pixels at the reference zoom. */
  radius: number;
  /** Outline width in CSS pixels. */
  lineWidth: number;
  /** Draw order: higher ranks are drawn later, i.e. on top. */
  rank: number;
}

export const STATE_STYLES: Readonly<Record<SensorStateName, StateStyle>> = {
  // Normal: calm teal-green, many of them, so small and with a dark rim to separate neighbours.
  normal: { fill: [45, 201, 160, 220], line: [8, 20, 30, 200], radius: 3.2, lineWidth: 0.6, rank: 2 },
  warning: { fill: [245, 170, 40, 245], line: [40, 24, 0, 220], radius: 4.4, lineWidth: 0.8, rank: 3 },
  // Alarm: red, bigger, light rim, always on top.
  alarm: { fill: [240, 62, 62, 255], line: [255, 225, 225, 255], radius: 6, lineWidth: 1.4, rank: 4 },
  stale: { fill: [125, 136, 150, 170], line: [20, 26, 34, 160], radius: 2.8, lineWidth: 0.5, rank: 0 },
  // Unregistered: hollow purple ring.
  unregistered: { fill: [0, 0, 0, 0], line: [182, 128, 255, 255], radius: 3.8, lineWidth: 1.6, rank: 1 },
};

/** Style by state code; unknown codes draw as normal (sensor-state.ts stateName does the same). */
export const STYLE_BY_CODE: readonly StateStyle[] = SENSOR_STATES.map((s) => STATE_STYLES[s]);

/** CSS colour of a state, for the legend and badges. */
export function stateCssColor(state: SensorStateName): string {
  const { fill, line } = STATE_STYLES[state];
  const [r, g, b] = state === 'unregistered' ? line : fill;
  return `rgb(${r}, ${g}, ${b})`;
}

/** The selection ring colour. */
export const SELECTED_RING: Rgba = [255, 255, 255, 255];

/** Draw rank by state code. */
export const DRAW_RANK_BY_CODE: readonly number[] = SENSOR_STATES.map((s) => STATE_STYLES[s].rank);

/**
 * Publishes the state colours as CSS custom properties (`--state-alarm` ...) for the legend,
 * tooltip and panel. Set through the CSSOM, which a CSP without 'unsafe-inline' allows.
 */
export function publishStateColors(root: HTMLElement = document.documentElement): void {
  for (const state of SENSOR_STATES) root.style.setProperty(`--state-${state}`, stateCssColor(state));
}
