/**
 * What the replay draws over the sensors at a moment: sensors in a gap (grey rings), the
 * incidents open then, the units' trails and the units where they were.
 */
import type { Layer } from '@deck.gl/core';
import { PathLayer, ScatterplotLayer } from '@deck.gl/layers';
import type { UnitView } from '../../shared/protocol.ts';
import { incidentLayers } from '../map/incident-layer.ts';
import { kindColor, unitLayers, unitMarks } from '../map/unit-layer.ts';
import type { SensorStore } from '../stream/sensor-store.ts';
import { incidentsAt, unitPositionAt, unitStatusAt, unitTrail } from './playback.ts';
import type { ReplayState } from './replay-state.ts';

/** Unit trails show this many frames of movement. */
const TRAIL_STEPS = 60;

export function replayLayersAt(state: ReplayState, store: SensorStore, zoomScale: number, time: number): Layer[] {
  const events = state.events;
  if (!events) return [];
  const layers: Layer[] = [];
  // Sensors in a gap: a grey ring where data is missing.
  const gapPoints: [number, number][] = [];
  for (const i of state.gaps) if (i < store.count && store.hasPosition(i)) gapPoints.push([store.lng[i]!, store.lat[i]!]);
  layers.push(
    new ScatterplotLayer<[number, number]>({
      id: 'replay-gaps',
      data: gapPoints,
      getPosition: (d) => d,
      radiusUnits: 'pixels',
      lineWidthUnits: 'pixels',
      getRadius: 7 * zoomScale,
      getLineWidth: 1.5,
      stroked: true,
      filled: false,
      getLineColor: [170, 180, 195, 200],
    }),
  );
  layers.push(...incidentLayers(incidentsAt(events, time), state.focus?.id ?? null, zoomScale));
  // The incident the page was opened for: a white ring where it is, before it opened too.
  if (state.focus)
    layers.push(
      new ScatterplotLayer<NonNullable<ReplayState['focus']>>({
        id: 'replay-focus',
        data: [state.focus],
        getPosition: (f) => [f.lng, f.lat],
        radiusUnits: 'pixels',
        lineWidthUnits: 'pixels',
        getRadius: 30 * Math.max(1, zoomScale * 0.8),
        getLineWidth: 2.5,
        stroked: true,
        filled: false,
        getLineColor: [255, 255, 255, 230],
        updateTriggers: { getRadius: zoomScale },
      }),
    );
  const window = TRAIL_STEPS * Math.max(state.lastStep, 5000);
  const trails = events.units.map((u) => ({ id: u.id, kind: u.kind, path: unitTrail(u, time, window) })).filter((x) => x.path.length > 1);
  layers.push(
    new PathLayer<(typeof trails)[number]>({
      id: 'replay-trails',
      data: trails,
      getPath: (d) => d.path,
      getColor: (d) => {
        const [r, g, b] = kindColor(d.kind);
        return [r, g, b, 200];
      },
      getWidth: 3,
      widthUnits: 'pixels',
      capRounded: true,
      jointRounded: true,
      updateTriggers: { getPath: time },
    }),
  );
  const units = events.units
    .map((u) => {
      const pos = unitPositionAt(u, time);
      return pos
        ? ({
            id: u.id,
            kind: u.kind,
            nameZh: u.nameZh,
            nameEn: u.nameEn,
            lng: pos[0],
            lat: pos[1],
            status: unitStatusAt(u, time),
            warnings: [],
            trip: null,
          } as unknown as UnitView)
        : null;
    })
    .filter((u): u is UnitView => u !== null);
  layers.push(...unitLayers({ units: unitMarks(units), preview: null, selectedId: null, zoomScale }));
  return layers;
}
