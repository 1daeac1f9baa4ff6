import { describe, expect, it } from 'vitest';
import { applyTwinInput, createTwinState, type Classification, type TwinState } from '../../../twin-model/index.ts';
import type { PointsMessage, SnapshotMessage } from '../../shared/protocol.ts';
import { decodePoints } from '../../shared/points-codec.ts';
import { LiveStream } from './live-stream.ts';
import { ViewportStreams, type ViewportOutput } from './viewport-sessions.ts';

const T0 = Date.UTC(2026, 11, 5);
const VIEW: [number, number, number, number] = [114.29, 30.54, 114.33, 30.56];

/** A twin and the live stream over it, as `citytwin all` has them (the stream's deltas keep its grid). */
function city(): {
  twin: TwinState;
  stream: LiveStream;
  add(id: string, lng: number, classification: Classification, value?: number): void;
} {
  const twin = createTwinState();
  const stream = new LiveStream(twin);
  const ctx = { now: () => T0 };
  const add = (id: string, lng: number, classification: Classification, value?: number) => {
    applyTwinInput(twin, { type: 'meta', id, meta: { kind: 'water_level', lng, lat: 30.55, classification } }, ctx, stream.pending);
    if (value !== undefined)
      applyTwinInput(twin, { type: 'readings', id, readings: [{ metric: 'water_level_cm', ts: T0, value }] }, ctx, stream.pending);
    stream.nextDeltas();
  };
  return { twin, stream, add };
}

function tables(out: ViewportOutput[]): SnapshotMessage[] {
  return out.flatMap((o) => (o.type === 'points' ? [decodePoints(o.msg)] : o.type === 'snapshot' ? [o.msg] : []));
}

describe('a viewport feed answering in columns', () => {
  it('sends points to a client that asks for columns, the same table as the snapshot, nothing above the clearance', () => {
    const { twin, stream, add } = city();
    add('pub-a', 114.3, 'public', 12.5);
    add('sen-b', 114.301, 'sensitive', 40);
    add('pub-c', 114.302, 'public');
    add('pub-far', 115.5, 'public', 3);
    const viewports = new ViewportStreams(twin, stream, { threshold: 0 });
    const rows: ViewportOutput[] = [];
    const columns: ViewportOutput[] = [];
    viewports.open(['public'], (o) => rows.push(o)).viewport({ bbox: VIEW, zoom: 15 });
    viewports.open(['public'], (o) => columns.push(o)).viewport({ bbox: VIEW, zoom: 15, encoding: 'columns' });
    expect(rows.map((o) => o.type)).toEqual(['snapshot']);
    expect(columns.map((o) => o.type)).toEqual(['points']);
    const points = columns[0]!.msg as PointsMessage;
    // The sensitive sensor is not in the message at all.
    expect(JSON.stringify({ ...points, ids: points.ids })).not.toContain('sen-b');
    const [fromColumns] = tables(columns);
    const [fromRows] = tables(rows);
    expect(fromColumns!.sensors).toEqual(fromRows!.sensors);
    expect(fromColumns!.sensors.map((s) => [s.i, s.id, s.value])).toEqual([
      [0, 'pub-a', 12.5],
      [1, 'pub-c', null],
    ]);
  });

  it('keeps the same sensors on every refresh when more came into view than the cap', () => {
    const { twin, stream, add } = city();
    // All in one finest cell of the grid.
    for (let k = 0; k < 3; k++) add(`s-${k}`, 114.3 + k * 1e-6, 'public', k);
    const viewports = new ViewportStreams(twin, stream, { threshold: 0, maxPoints: 4 });
    const out: ViewportOutput[] = [];
    const feed = viewports.open(['public'], (o) => out.push(o));
    feed.viewport({ bbox: VIEW, zoom: 15, encoding: 'columns' });
    // Four more register inside the view; one of the first leaves and comes back, so its cell's
    // list no longer runs in twin order (a sensor leaving swaps the last one into its place).
    for (let k = 3; k < 7; k++) add(`s-${k}`, 114.3 + k * 1e-6, 'public', k);
    add('s-1', 115.5, 'public');
    add('s-1', 114.3 + 1e-6, 'public');
    expect(stream.grid.cellMembers(114.3, 30.55)).toEqual([0, 6, 2, 3, 4, 5, 1]);
    feed.resume();
    feed.resume();
    const [, first, second] = tables(out.filter((o) => o.type === 'points'));
    expect(first!.sensors.map((s) => s.id)).toEqual(['s-0', 's-1', 's-2', 's-3']);
    expect(second!.sensors).toEqual(first!.sensors);
  });
});
