/**
 * What the console draws in the sensors' deck.gl canvas besides the sensors: incident rings,
 * the response units and their trips above them, and — zoomed out on a big registry — the
 * aggregate cells under them (docs/scale.md). Layers are rebuilt only when something they
 * show changed.
 */
import type { Map as MaplibreMap } from 'maplibre-gl';
import { cellLayers } from '../map/cell-layer.ts';
import { focusLayers } from '../map/focus-layer.ts';
import { incidentLayers } from '../map/incident-layer.ts';
import type { SensorOverlay } from '../map/sensor-overlay.ts';
import { tripsOf, unitLayers, unitMarks, type UnitMark } from '../map/unit-layer.ts';
import type { IncidentPanel } from '../panels/incident-panel.ts';
import type { UnitBoard, UnitTooltip } from '../panels/unit-board.ts';
import type { IncidentQueue } from '../stream/incident-queue.ts';
import type { UnitStore } from '../stream/unit-store.ts';
import type { ViewportClient } from '../stream/viewport-client.ts';
import type { ConsoleState } from './console-state.ts';

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
}

export class MapLayers {
  private incidentKey = '';

  constructor(private readonly parts: MapLayersParts) {}

  /** Incident rings, then the units and their trips above them (when anything they show changed). */
  drawIncidents(): void {
    const { state, overlay, incidentQueue, unitStore, unitBoard, unitTooltip } = this.parts;
    const panel = this.parts.incidents();
    const selected = panel?.selectedId ?? null;
    // The map shows what the queue shows (its filter); a time range moves on with the minutes.
    const key = `${incidentQueue.version}:${panel?.filterVersion ?? 0}:${Math.floor(Date.now() / 60_000)}:${selected ?? ''}:${overlay.radiusScale.toFixed(2)}:${unitStore.version}:${state.previewSeq}:${unitBoard?.selectedId ?? ''}:${state.focusSeq}`;
    if (key === this.incidentKey) return;
    this.incidentKey = key;
    const shown = panel ? panel.visible() : incidentQueue.list();
    const open = selected ? incidentQueue.get(selected) : undefined;
    if (open && !shown.includes(open)) shown.push(open);
    const layers = incidentLayers(shown, selected, overlay.radiusScale);
    const focus = state.focus;
    if (focus) {
      const lines =
        focus.kind === 'road' ? (focus.lines ?? []) : focus.kind === 'district' ? (state.districtRings.get(focus.id) ?? []) : [];
      const point: [number, number] | null = focus.kind === 'asset' ? [focus.lng, focus.lat] : null;
      layers.unshift(...focusLayers({ lines, point }));
    }
    if (unitBoard) {
      const marks = unitMarks(unitStore.values());
      state.drawnTrips = tripsOf(marks);
      layers.push(
        ...unitLayers({
          units: marks,
          preview: state.unitPreview,
          selectedId: unitBoard.selectedId,
          zoomScale: overlay.radiusScale,
          onHover: (info) => unitTooltip?.show(info.picked ? (info.object as UnitMark).unit : null, info.x, info.y),
        }),
      );
    }
    overlay.setExtraLayers(layers);
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
