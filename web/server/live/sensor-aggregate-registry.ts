/**
 * Aggregate cells of the stored sensor registry (ClickHouse `sensors`), for
 * `GET /api/sensors/aggregate?source=registry` and the bench (docs/scale.md).
 *
 * The cell level follows the twin's grid (sensor-aggregate.ts): the zoom's level, made coarser
 * while the bbox would need too many cells (`queryLevel`). The counting is the registry
 * store's (storage/registry-store.ts): each sensor's latest row, classified as the twin does
 * (the source's, raised by the row's own, either alone, else unclassified), only the caller's
 * clearance counted. The registry knows no live state, so `states` is empty: the twin's grid
 * answers with states.
 */
import type { RegistryStore } from '../../../storage/index.ts';
import type { Classification } from '../../../twin-model/index.ts';
import type { CellsMessage } from '../../shared/protocol.ts';
import { cellKey, queryLevel, type Bbox } from './sensor-aggregate.ts';

export interface RegistryCellRequest {
  bbox: Bbox;
  zoom: number;
  clearance: readonly Classification[];
  /** Registered sources and their classification. */
  sources: ReadonlyArray<{ id: string; classification: Classification }>;
  /**
   * The city's register (at most 20,000 sites): a registered sensor counts at the register's
   * position under the register's source and kind, whatever its stored meta says
   * (twin-model/sensor-register.ts).
   */
  register?: ReadonlyArray<{ id: string; kind: string; lng: number; lat: number; sourceId: string }>;
  kinds?: readonly string[] | null;
  now?: number;
}

export async function registryCells(store: RegistryStore, q: RegistryCellRequest): Promise<CellsMessage> {
  const { level, side } = queryLevel(q.bbox, q.zoom);
  const query = {
    side,
    bbox: q.bbox,
    clearance: q.clearance,
    sources: q.sources,
    ...(q.register ? { register: q.register } : {}),
    kinds: q.kinds ?? null,
  };
  const rows = await store.cellCounts(query);
  const registry = await store.registeredTotal(query);
  let total = 0;
  const cells = rows.map((r) => {
    total += r.n;
    return { key: cellKey(level, r.ix, r.iy), n: r.n, lng: r.lng, lat: r.lat, states: [] };
  });
  return { serverTime: q.now ?? Date.now(), level, cellDeg: side, bbox: q.bbox, zoom: q.zoom, total, registry, source: 'registry', cells };
}
