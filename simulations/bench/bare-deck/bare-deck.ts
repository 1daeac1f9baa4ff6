/**
 * Bench run 16's reference page: the least a page can do to show the live sensors — deck.gl
 * alone (no base map, no panels), one ScatterplotLayer over binary attributes, fed by the same
 * socket stream as the console (snapshot, then the binary deltas, decoded by the same codec).
 * The bench serves it on the console's origin (so the session cookie signs the socket in) and
 * compares the console's frame rate with this page's.
 */
import { Deck } from '@deck.gl/core';
import { ScatterplotLayer } from '@deck.gl/layers';
import { io } from 'socket.io-client';
import { decodeDelta } from '../../../web/shared/delta-codec.ts';
import type { DeltaMessage, SnapshotMessage } from '../../../web/shared/protocol.ts';

/** RGBA per SensorStateCode (normal, warning, alarm, stale, unregistered, waiting). */
const COLORS: readonly (readonly [number, number, number, number])[] = [
  [46, 204, 113, 220],
  [241, 196, 15, 235],
  [231, 76, 60, 255],
  [127, 140, 141, 200],
  [155, 89, 182, 220],
  [90, 110, 140, 200],
];

interface BareState {
  ready: boolean;
  sensors: number;
  deltas: number;
  /** Sensor readings the deltas carried (as the console's `readingsApplied`). */
  readings: number;
  /** The last delta's number, and the newest reading time it carried (epoch ms). */
  seq: number;
  dataTime: number;
  renders: number;
  /** Bench: deck.gl draws the layer again now, though nothing changed (what one redraw costs). */
  redrawNow(): void;
}

const state: BareState = {
  ready: false,
  sensors: 0,
  deltas: 0,
  readings: 0,
  seq: -1,
  dataTime: 0,
  renders: 0,
  redrawNow: () => deck.redraw('bench'),
};
(window as unknown as { __bare: BareState }).__bare = state;

let positions = new Float32Array(0);
let colors = new Uint8Array(0);
/** Twin index (`i` of the snapshot) → row of the arrays. */
let rowOf = new Int32Array(0);
let epoch: string | null = null;

const deck = new Deck({
  parent: document.getElementById('map') as HTMLDivElement,
  initialViewState: { longitude: 114.3, latitude: 30.6, zoom: 9 },
  controller: false,
  layers: [],
  onAfterRender: () => {
    state.renders++;
  },
});

function paint(row: number, code: number): void {
  const c = COLORS[code] ?? COLORS[0]!;
  colors.set(c, row * 4);
}

function redraw(): void {
  const layer = new ScatterplotLayer({
    id: 'sensors',
    data: {
      length: state.sensors,
      attributes: {
        getPosition: { value: positions, size: 2 },
        getFillColor: { value: colors, size: 4, normalized: true },
      },
    },
    radiusUnits: 'pixels',
    getRadius: 2,
  });
  deck.setProps({ layers: [layer] });
}

function onSnapshot(msg: SnapshotMessage): void {
  const placed = msg.sensors.filter((s) => s.lng !== null && s.lat !== null);
  positions = new Float32Array(placed.length * 2);
  colors = new Uint8Array(placed.length * 4);
  rowOf = new Int32Array(Math.max(0, ...msg.sensors.map((s) => s.i)) + 1).fill(-1);
  let west = 180;
  let east = -180;
  let south = 90;
  let north = -90;
  placed.forEach((s, row) => {
    const lng = s.lng as number;
    const lat = s.lat as number;
    positions[row * 2] = lng;
    positions[row * 2 + 1] = lat;
    rowOf[s.i] = row;
    paint(row, s.state);
    west = Math.min(west, lng);
    east = Math.max(east, lng);
    south = Math.min(south, lat);
    north = Math.max(north, lat);
  });
  state.sensors = placed.length;
  epoch = msg.epoch;
  if (placed.length > 0) {
    const span = Math.max(east - west, (north - south) * 1.3, 1e-3);
    const zoom = Math.log2((360 * (window.innerWidth / 256)) / span) - 0.2;
    deck.setProps({ initialViewState: { longitude: (west + east) / 2, latitude: (south + north) / 2, zoom } });
  }
  redraw();
  state.ready = true;
}

function onDelta(msg: DeltaMessage): void {
  if (msg.epoch !== epoch) return;
  const d = decodeDelta(msg);
  for (let k = 0; k < d.index.length; k++) {
    const row = rowOf[d.index[k]!] ?? -1;
    if (row >= 0) paint(row, d.state[k]!);
  }
  state.deltas++;
  state.readings += d.index.length + msg.added.length;
  state.seq = msg.seq;
  state.dataTime = Math.max(state.dataTime, msg.dataTime);
  // A new array object: deck.gl sees the attribute changed and uploads it.
  colors = colors.slice();
  redraw();
}

const socket = io({ transports: ['websocket'] });
socket.on('connect', () => socket.emit('resume', { epoch: null, lastSeq: null }));
socket.on('snapshot', onSnapshot);
socket.on('delta', onDelta);
