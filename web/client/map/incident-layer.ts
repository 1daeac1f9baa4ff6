/**
 * Incidents on the map (deck.gl): a ring per active incident coloured by severity, larger and
 * brighter for the selected one, whose evidence footprint is drawn as points joined to the
 * incident by lines, so an operator sees at once what was fused and how far apart it was.
 */
import { LineLayer, ScatterplotLayer } from '@deck.gl/layers';
import type { Layer } from '@deck.gl/core';
import type { IncidentView } from '../../shared/protocol.ts';

type Rgba = [number, number, number, number];

/** Severity 1..5 → ring colour (5 critical red … 1 blue-grey); the queue's badges use the same scale. */
export function severityColor(severity: number, alpha = 255): Rgba {
  if (severity >= 5) return [240, 60, 60, alpha];
  if (severity >= 4) return [245, 130, 40, alpha];
  if (severity >= 3) return [245, 190, 40, alpha];
  if (severity >= 2) return [110, 170, 230, alpha];
  return [140, 155, 175, alpha];
}

/** Layer ids (picking: a click on one of them selects the incident). */
export const INCIDENT_LAYER_ID = 'incidents';

export function incidentLayers(incidents: readonly IncidentView[], selectedId: string | null, zoomScale: number): Layer[] {
  const selected = selectedId ? (incidents.find((i) => i.id === selectedId) ?? null) : null;
  const layers: Layer[] = [];
  if (selected) {
    const points = selected.evidence.filter((e) => Number.isFinite(e.lng) && Number.isFinite(e.lat));
    layers.push(
      new LineLayer<(typeof points)[number]>({
        id: 'incident-evidence-lines',
        data: points,
        getSourcePosition: () => [selected.lng, selected.lat],
        getTargetPosition: (e) => [e.lng, e.lat],
        getColor: severityColor(selected.severity, 170),
        getWidth: 1.5,
        widthUnits: 'pixels',
      }),
      new ScatterplotLayer<(typeof points)[number]>({
        id: 'incident-evidence',
        data: points,
        getPosition: (e) => [e.lng, e.lat],
        radiusUnits: 'pixels',
        billboard: true,
        lineWidthUnits: 'pixels',
        getRadius: (e) => (e.kind === 'event' ? 5 : 6),
        getFillColor: (e) => (e.kind === 'event' ? [255, 255, 255, 230] : severityColor(selected.severity, 230)),
        getLineColor: [10, 17, 28, 255],
        getLineWidth: 1.5,
        stroked: true,
      }),
    );
  }
  layers.push(
    new ScatterplotLayer<IncidentView>({
      id: INCIDENT_LAYER_ID,
      data: [...incidents],
      getPosition: (i) => [i.lng, i.lat],
      radiusUnits: 'pixels',
      billboard: true,
      lineWidthUnits: 'pixels',
      getRadius: (i) => (i.id === selectedId ? 20 : 13) * Math.max(1, zoomScale * 0.8),
      getLineWidth: (i) => (i.id === selectedId ? 4 : 3),
      getLineColor: (i) => severityColor(i.severity),
      getFillColor: (i) => severityColor(i.severity, i.status === 'open' ? 70 : 30),
      stroked: true,
      filled: true,
      pickable: true,
      updateTriggers: { getRadius: [selectedId, zoomScale], getLineWidth: selectedId },
    }),
  );
  return layers;
}
