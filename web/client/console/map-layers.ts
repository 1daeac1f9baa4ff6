/**
 * What the console draws in the sensors' deck.gl canvas besides the sensors: incident rings,
 * the response units and their trips above them, and — zoomed out on a big registry — the
 * aggregate cells under them (docs/scale.md). Layers are rebuilt only when something they
 * show changed.
 */
import type { Map as MaplibreMap } from 'maplibre-gl';
import { cellLayers } from '../map/cell-layer.ts';
import { incidentLayers } from '../map/incident-layer.ts';
import type { SensorOverlay } from '../map/sensor-overlay.ts';
import { tripsOf, unitLayers, unitMarks, type UnitMark } from '../map/unit-layer.ts';
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
  /** Official warnings and published alerts (null for roles without warnings.read). */
  warnings?: WarningAreas | null;
}

export class MapLayers {
  private incidentKey = '';

  constructor(private readonly parts: MapLayersParts) {}

  /** Incident rings, then the units and their trips above them (when anything they show changed). */
  drawIncidents(): void {
    const { state, overlay, incidentQueue, unitStore, unitBoard, unitTooltip } = this.parts;
    const selected = this.parts.incidents()?.selectedId ?? null;
    const warnings = this.parts.warnings ?? null;
    const key = `${incidentQueue.version}:${selected ?? ''}:${overlay.radiusScale.toFixed(2)}:${unitStore.version}:${state.previewSeq}:${unitBoard?.selectedId ?? ''}:${warnings?.version ?? 0}`;
    if (key === this.incidentKey) return;
    this.incidentKey = key;
    // Warning areas first: the incident rings and the units are drawn above them.
    const layers = [...warningLayers(warnings?.list() ?? []), ...incidentLayers(incidentQueue.list(), selected, overlay.radiusScale)];
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
