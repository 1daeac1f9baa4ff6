/**
 * Response units on the map (deck.gl): one symbol per unit — a badge of the kind's own shape
 * and colour with its pictogram (unit-icons.ts) inside a ring styled by status, with an outer
 * warning ring for a silent or off-road unit — and the trips of moving units as paths (to the
 * incident: solid in the kind's colour; home: thin and faded). The route of the recommendation
 * the dispatcher points at is drawn above them.
 */
import { IconLayer, PathLayer, ScatterplotLayer } from '@deck.gl/layers';
import type { Layer, PickingInfo } from '@deck.gl/core';
import { UNIT_KINDS, type UnitKind, type UnitStatus } from '../../../twin-model/dispatch/unit-types.ts';
import type { UnitView } from '../../shared/protocol.ts';
import { UNIT_ICONS, unitIconAtlas } from './unit-icons.ts';

type Rgba = [number, number, number, number];

/** Kind colours: the badges' (unit-icons.ts), none of them a sensor state colour. */
export const KIND_COLORS: Readonly<Record<UnitKind, Rgba>> = Object.fromEntries(
  UNIT_KINDS.map((k) => [k, [...UNIT_ICONS[k].fill, 255] as Rgba]),
) as Record<UnitKind, Rgba>;
const UNKNOWN_KIND: Rgba = [160, 170, 185, 255];

/** Status ring colours and widths (px). */
export const STATUS_RINGS: Readonly<Record<UnitStatus, { color: Rgba; width: number }>> = {
  available: { color: [150, 170, 195, 150], width: 1.2 },
  dispatched: { color: [255, 210, 74, 255], width: 2.5 },
  en_route: { color: [63, 193, 211, 255], width: 2.5 },
  on_scene: { color: [255, 92, 92, 255], width: 3 },
  returning: { color: [170, 184, 200, 220], width: 1.8 },
  out_of_service: { color: [90, 100, 115, 200], width: 1.2 },
};
export const WARNING_RING: Rgba = [255, 170, 40, 255];
export const PREVIEW_ROUTE: Rgba = [255, 255, 255, 235];

export function kindColor(kind: string): Rgba {
  return KIND_COLORS[kind as UnitKind] ?? UNKNOWN_KIND;
}

/** Layer ids: a click on the units layer opens the unit on the board. */
export const UNIT_LAYER_ID = 'units';
export const TRIP_LAYER_ID = 'unit-trips';
export const PREVIEW_LAYER_ID = 'recommendation-route';

/** A unit drawn at its last known position. */
export interface UnitMark {
  unit: UnitView;
  position: [number, number];
}

export function unitMarks(units: Iterable<UnitView>): UnitMark[] {
  const out: UnitMark[] = [];
  for (const unit of units) if (Number.isFinite(unit.lng) && Number.isFinite(unit.lat)) out.push({ unit, position: [unit.lng, unit.lat] });
  return out;
}

export interface UnitLayerInput {
  units: readonly UnitMark[];
  /** The route of the recommendation pointed at in the incident panel, or null. */
  preview: [number, number][] | null;
  /** The unit opened on the board (drawn larger), or null. */
  selectedId: string | null;
  zoomScale: number;
  onHover?(info: PickingInfo): void;
}

/** A trip as drawn: the unit and its path. */
export interface DrawnTrip {
  unitId: string;
  leg: 'to_incident' | 'home';
  path: [number, number][];
}

/** The trips of the given units that have a drawable path. */
export function tripsOf(units: readonly UnitMark[]): DrawnTrip[] {
  const out: DrawnTrip[] = [];
  for (const { unit } of units) {
    const trip = unit.trip;
    if (!trip || trip.path.length < 2) continue;
    out.push({ unitId: unit.id, leg: trip.leg, path: trip.path });
  }
  return out;
}

export function unitLayers(input: UnitLayerInput): Layer[] {
  const { units, preview } = input;
  const scale = Math.max(1, input.zoomScale * 0.8);
  return [
    ...tripLayers(units),
    ...(preview && preview.length > 1 ? previewLayers(preview) : []),
    ...warningLayers(units, scale),
    ...unitMarkLayers(input, scale),
  ];
}

/** Each unit's trip: to an incident solid, home faded, in the colour of its kind. */
function tripLayers(units: readonly UnitMark[]): Layer[] {
  const trips = tripsOf(units);
  const kindOf = new Map(units.map((m) => [m.unit.id, m.unit.kind]));
  return [
    // A dark casing under every trip keeps it readable over roads and water.
    new PathLayer<DrawnTrip>({
      id: `${TRIP_LAYER_ID}-casing`,
      data: trips,
      getPath: (d) => d.path,
      getColor: (d) => (d.leg === 'home' ? [6, 11, 19, 120] : [6, 11, 19, 220]),
      getWidth: (d) => (d.leg === 'home' ? 4 : 7),
      widthUnits: 'pixels',
      capRounded: true,
      jointRounded: true,
    }),
    new PathLayer<DrawnTrip>({
      id: TRIP_LAYER_ID,
      data: trips,
      getPath: (d) => d.path,
      getColor: (d) => {
        const [r, g, b] = kindColor(kindOf.get(d.unitId) ?? '');
        return d.leg === 'home' ? [r, g, b, 110] : [r, g, b, 235];
      },
      getWidth: (d) => (d.leg === 'home' ? 2 : 4),
      widthUnits: 'pixels',
      capRounded: true,
      jointRounded: true,
    }),
  ];
}

/** The route of the recommendation pointed at, in white over a dark casing. */
function previewLayers(preview: [number, number][]): Layer[] {
  return [
    new PathLayer<[number, number][]>({
      id: `${PREVIEW_LAYER_ID}-casing`,
      data: [preview],
      getPath: (d) => d,
      getColor: [6, 11, 19, 230],
      getWidth: 9,
      widthUnits: 'pixels',
      capRounded: true,
      jointRounded: true,
    }),
    new PathLayer<[number, number][]>({
      id: PREVIEW_LAYER_ID,
      data: [preview],
      getPath: (d) => d,
      getColor: PREVIEW_ROUTE,
      getWidth: 4,
      widthUnits: 'pixels',
      capRounded: true,
      jointRounded: true,
    }),
  ];
}

/** An orange halo under a silent or off-road unit. */
function warningLayers(units: readonly UnitMark[], scale: number): Layer[] {
  const warned = units.filter((m) => m.unit.warnings.length > 0);
  if (warned.length === 0) return [];
  return [
    new ScatterplotLayer<UnitMark>({
      id: 'unit-warnings',
      data: warned,
      getPosition: (m) => m.position,
      radiusUnits: 'pixels',
      billboard: true,
      lineWidthUnits: 'pixels',
      getRadius: 12 * scale,
      getLineWidth: 2,
      getLineColor: WARNING_RING,
      getFillColor: [255, 170, 40, 50],
      stroked: true,
      filled: true,
      updateTriggers: { getRadius: scale },
    }),
  ];
}

/** Each unit's badge in a ring styled by its status (the selected unit: white, larger). */
function unitMarkLayers(input: UnitLayerInput, scale: number): Layer[] {
  const { units, selectedId } = input;
  const atlas = unitIconAtlas();
  return [
    // The status ring around each badge (the selected unit: white).
    new ScatterplotLayer<UnitMark>({
      id: `${UNIT_LAYER_ID}-status`,
      data: [...units],
      getPosition: (m) => m.position,
      radiusUnits: 'pixels',
      billboard: true,
      lineWidthUnits: 'pixels',
      getRadius: (m) => (m.unit.id === selectedId ? 15 : m.unit.status === 'available' ? 10 : 12) * scale,
      getLineColor: (m) => (m.unit.id === selectedId ? [255, 255, 255, 255] : (STATUS_RINGS[m.unit.status]?.color ?? [150, 170, 195, 150])),
      getLineWidth: (m) => (m.unit.id === selectedId ? 3 : (STATUS_RINGS[m.unit.status]?.width ?? 1.2)),
      getFillColor: [6, 11, 19, 150],
      stroked: true,
      filled: true,
      updateTriggers: { getRadius: [selectedId, scale], getLineColor: selectedId, getLineWidth: selectedId },
    }),
    new IconLayer<UnitMark>({
      id: UNIT_LAYER_ID,
      data: [...units],
      iconAtlas: atlas.canvas as unknown as string,
      iconMapping: atlas.mapping,
      getIcon: (m) => (m.unit.kind in atlas.mapping ? m.unit.kind : 'unknown'),
      getPosition: (m) => m.position,
      sizeUnits: 'pixels',
      billboard: true,
      getSize: (m) => (m.unit.id === selectedId ? 24 : m.unit.status === 'available' ? 16 : 19) * scale,
      // Out of service: faded (without a mask the alpha is the symbol's opacity).
      getColor: (m) => [255, 255, 255, m.unit.status === 'out_of_service' ? 90 : 255],
      pickable: true,
      autoHighlight: true,
      highlightColor: [255, 255, 255, 90],
      ...(input.onHover ? { onHover: input.onHover } : {}),
      updateTriggers: { getSize: [selectedId, scale] },
    }),
  ];
}
