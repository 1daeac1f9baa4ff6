/**
 * What the console draws in the sensors' deck.gl canvas besides the sensors: incident rings,
 * the response units and their trips above them, and — zoomed out on a big registry — the
 * aggregate cells under them (docs/scale.md). Layers are rebuilt only when something they
 * show changed.
 */
import { wallTypeScale } from '../kiosk/wall-scale.ts';
import type { Map as MaplibreMap } from 'maplibre-gl';
import type { IncidentView } from '../../shared/protocol.ts';
import { cellLayers } from '../map/cell-layer.ts';
import { focusLayers } from '../map/focus-layer.ts';
import { binHeat, HEAT_WEIGHTS, heatCellDeg, heatLayers } from '../map/heat-layer.ts';
import type { SensorStore } from '../stream/sensor-store.ts';
import { SensorStateCode } from '../../../twin-model/sensor-state.ts';
import { incidentLayers } from '../map/incident-layer.ts';
import type { SensorOverlay } from '../map/sensor-overlay.ts';
import { PREVIEW_LAYER_ID, TRIP_LAYER_ID, tripsOf, unitLayers, unitMarks, type UnitMark } from '../map/unit-layer.ts';
import { warningLayers } from '../map/warning-layer.ts';
import type { IncidentPanel } from '../panels/incident-panel.ts';
import type { UnitBoard, UnitTooltip } from '../panels/unit-board.ts';
import type { IncidentQueue } from '../stream/incident-queue.ts';
import type { UnitStore } from '../stream/unit-store.ts';
import type { ViewportClient } from '../stream/viewport-client.ts';
import type { ConsoleState } from './console-state.ts';
import type { WarningAreas } from './warning-areas.ts';

export interface MapLayersParts {
  state: ConsoleState;
  map: MaplibreMap;
  overlay: SensorOverlay;
  incidentQueue: IncidentQueue;
  unitStore: UnitStore;
  /** Null for roles without incidents.read / units.read. */
  incidents: () => IncidentPanel | null;
  unitBoard: UnitBoard | null;
  unitTooltip: UnitTooltip | null;
  /** The sensor table (the alarm heat is drawn from it). */
  sensors: SensorStore;
  /** Official warnings and published alerts (null for roles without warnings.read). */
  warnings?: WarningAreas | null;
}

/** The heat is recomputed at most this often (it follows alarms, not every reading). */
const HEAT_REFRESH_MS = 2_000;

export class MapLayers {
  private incidentKey = '';

  constructor(private readonly parts: MapLayersParts) {}

  /** Incident rings, then the units and their trips above them (when anything they show changed). */
  drawIncidents(): void {
    const { state, overlay, incidentQueue, unitStore, unitBoard, unitTooltip } = this.parts;
    const panel = this.parts.incidents();
    const selected = panel?.selectedId ?? null;
    const warnings = this.parts.warnings ?? null;
    // The map shows what the queue shows (its filter); a time range moves on with the minutes.
    // A wall draws incident rings and unit badges larger, with its type (styles/wall.css).
    const markerScale = overlay.radiusScale * wallTypeScale();
    const shown = panel ? panel.visible() : incidentQueue.list();
    const open = selected ? incidentQueue.get(selected) : undefined;
    if (open && !shown.includes(open)) shown.push(open);
    // The rings follow what they show, not every change of the queue (new evidence, a confidence):
    // redrawing the canvas redraws every sensor too.
    const key = `${ringsKey(shown, open)}:${selected ?? ''}:${markerScale.toFixed(2)}:${unitStore.version}:${state.previewSeq}:${unitBoard?.selectedId ?? ''}:${state.focusSeq}:${state.layersSeq}:${this.heatKey()}:${warnings?.version ?? 0}`;
    if (key === this.incidentKey) return;
    this.incidentKey = key;
    const on = state.layers.on;
    const layers = on.incidents ? incidentLayers(shown, selected, markerScale) : [];
    if (on.heat) layers.unshift(...this.heat());
    const focus = state.focus;
    if (focus) {
      const lines =
        focus.kind === 'road' ? (focus.lines ?? []) : focus.kind === 'district' ? (state.districtRings.get(focus.id) ?? []) : [];
      const point: [number, number] | null = focus.kind === 'asset' ? [focus.lng, focus.lat] : null;
      layers.unshift(...focusLayers({ lines, point }));
    }
    // Warning areas at the bottom: the rest is drawn above them.
    layers.unshift(...warningLayers(warnings?.list() ?? []));
    if (unitBoard && (on.units || on.routes)) {
      const marks = unitMarks(unitStore.values());
      state.drawnTrips = on.routes ? tripsOf(marks) : [];
      const isRoute = (id: string) => id.startsWith(TRIP_LAYER_ID) || id.startsWith(PREVIEW_LAYER_ID);
      layers.push(
        ...unitLayers({
          units: marks,
          preview: state.unitPreview,
          selectedId: unitBoard.selectedId,
          zoomScale: markerScale,
          onHover: (info) => unitTooltip?.show(info.picked ? (info.object as UnitMark).unit : null, info.x, info.y),
        }).filter((l) => (isRoute(l.id) ? on.routes : on.units)),
      );
    } else state.drawnTrips = [];
    overlay.setExtraLayers(layers);
  }

  /** Changes when the heat should be drawn again: its time bucket and the zoom (cells keep their screen size). */
  private heatKey(): string {
    if (!this.parts.state.layers.on.heat) return '';
    return `${Math.floor(Date.now() / HEAT_REFRESH_MS)}:${Math.round(this.parts.map.getZoom() * 2)}`;
  }

  /** Sensors in alarm and warning, binned into cells of a fixed screen size (map/heat-layer.ts). */
  private heat() {
    const store = this.parts.sensors;
    const cellPx = 48;
    const cells = binHeat(
      store.count,
      store.lng,
      store.lat,
      (i) =>
        !store.hasPosition(i)
          ? 0
          : store.state[i] === SensorStateCode.alarm
            ? HEAT_WEIGHTS.alarm
            : store.state[i] === SensorStateCode.warning
              ? HEAT_WEIGHTS.warning
              : 0,
      heatCellDeg(this.parts.map.getZoom(), cellPx),
    );
    return heatLayers(cells, cellPx);
  }

  /** The viewport's aggregate cells under the sensors (a click zooms in on a cell). */
  drawCells(viewport: ViewportClient): void {
    const { map, overlay } = this.parts;
    overlay.setUnderLayers(
      cellLayers(viewport.visibleCells(), {
        zoomScale: overlay.radiusScale,
        onClick: (c) => map.easeTo({ center: [c.lng, c.lat], zoom: Math.min(map.getZoom() + 2, 17) }),
      }),
    );
  }
}

/** What the incident rings show: each shown incident's place, severity and status, and the open one's evidence. */
function ringsKey(shown: readonly IncidentView[], open: IncidentView | undefined): string {
  let key = open ? `${open.id}@${open.updatedAt}:${open.evidence.length}` : '';
  for (const i of shown) key += `|${i.id}:${i.lng}:${i.lat}:${i.severity}:${i.status}`;
  return key;
}
