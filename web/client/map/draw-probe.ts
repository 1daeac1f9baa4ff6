/**
 * Diagnostics hook, not part of the console's drawing: leaves parts of the sensors' drawing out
 * so that a bench can measure what each costs (run 16, docs/benchmarks.md: `BENCH_FPS_PARTS` of
 * simulations/bench/console-fps-bench.ts, through `window.__citytwin.drawProbe`). It rewrites the
 * layers the sensor overlay built (`SensorOverlay.setLayersHook`); the overlay draws everything
 * and knows nothing of what is left out.
 */
import type { Layer } from '@deck.gl/core';
import { OWN_LAYER_IDS } from './sensor-overlay.ts';

/**
 * The parts a probe may leave out: the points' rims, their antialiasing, billboarding, the top
 * layer of warnings and alarms, the layers above and under the sensors (rings, units, cells). All
 * drawn unless set to false.
 */
export interface DrawProbe {
  rims?: boolean;
  antialiasing?: boolean;
  billboard?: boolean;
  top?: boolean;
  extra?: boolean;
}

const SENSOR_LAYERS: readonly string[] = [OWN_LAYER_IDS.sensors, OWN_LAYER_IDS.top];

/** The overlay's layers hook for `probe` (`SensorOverlay.setLayersHook`); null when it leaves nothing out. */
export function drawProbeHook(probe: DrawProbe): ((layers: Layer[]) => Layer[]) | null {
  const sensorProps = {
    ...(probe.rims === false ? { stroked: false } : {}),
    ...(probe.antialiasing === false ? { antialiasing: false } : {}),
    ...(probe.billboard === false ? { billboard: false } : {}),
  };
  const sensorsChanged = Object.keys(sensorProps).length > 0;
  if (!sensorsChanged && probe.top !== false && probe.extra !== false) return null;
  return (layers) =>
    layers.flatMap((l) => {
      if (l.id === OWN_LAYER_IDS.top && probe.top === false) return [];
      if (SENSOR_LAYERS.includes(l.id)) return sensorsChanged ? [l.clone(sensorProps as Partial<Layer['props']>)] : [l];
      if (l.id === OWN_LAYER_IDS.selected || probe.extra !== false) return [l];
      // Left out as a hidden copy: a layer instance deck.gl dropped cannot be handed to it again.
      return [l.clone({ visible: false })];
    });
}
