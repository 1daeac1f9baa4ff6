import { describe, expect, it } from 'vitest';
import {
  applyIncidentInput,
  createIncidentState,
  type IncidentChange,
  type ResponseUnit,
  type Route,
  type UnitChange,
  type UnitRecommendation,
} from '../../../twin-model/index.ts';
import {
  ClusterMessageError,
  decodeWriterAnswer,
  decodeWriterChange,
  decodeWriterCommand,
  encodeClusterMessage,
  type WriterAnswer,
  type WriterChange,
  type WriterCommand,
} from './cluster-messages.ts';

const T0 = Date.UTC(2026, 6, 1, 8);

function incidentChanges(): IncidentChange[] {
  const state = createIncidentState();
  return applyIncidentInput(
    state,
    {
      type: 'event',
      evidence: {
        id: 'event:hotline:c1',
        kind: 'event',
        eventType: 'manual_report',
        category: 'waterlogging',
        source: 'hotline',
        ts: T0,
        lng: 114.3,
        lat: 30.55,
      },
    },
    { now: () => T0 },
  );
}

const unit: ResponseUnit = {
  id: 'pump-1',
  kind: 'pump_team',
  nameZh: '排水抢险队 1',
  nameEn: 'Pump team 1',
  capabilities: ['pumping'],
  homeStationId: 'depot-1',
  homeDistrict: '420106',
  homeLng: 114.3,
  homeLat: 30.55,
  homeNodeId: 4,
  shift: { startHour: 0, endHour: 24 },
  status: 'dispatched',
  lng: 114.3,
  lat: 30.55,
  nodeId: 4,
  lastFixAt: 0,
  incidentId: 'inc-000001',
  version: 2,
};
const route: Route = {
  fromNode: 4,
  toNode: 7,
  nodes: [4, 5, 7],
  edges: [10, 11],
  lengthM: 900,
  travelTimeS: 120,
  coords: [
    [114.3, 30.55],
    [114.305, 30.55],
    [114.31, 30.551],
  ],
  cumulativeS: [0, 60, 120],
};
const assigned: UnitChange = {
  unitId: 'pump-1',
  at: T0,
  actor: 'disp',
  what: 'assigned',
  from: 'available',
  to: 'dispatched',
  incidentId: 'inc-000001',
  unit,
};
const recommendation: UnitRecommendation = {
  unitId: 'pump-1',
  kind: 'pump_team',
  etaS: 120,
  distanceM: 900,
  matched: ['pumping'],
  fullMatch: true,
  coverage: { district: '420106', remaining: 3, awayMin: 75 },
  rank: 1,
  reasons: [{ code: 'eta', params: { min: 2 } }, { code: 'in_district' }],
  route,
};

/** What travels through Redis: the JSON of a message, as the receiving node gets it. */
const wire = (m: WriterChange | WriterCommand | WriterAnswer) => encodeClusterMessage(m);

describe('messages between web nodes', () => {
  it('carry every kind of change batch through the wire unchanged', () => {
    const batches: WriterChange[] = [
      { kind: 'incident_changes', changes: incidentChanges() },
      {
        kind: 'unit_changes',
        units: [
          { change: assigned, trip: { unitId: 'pump-1', incidentId: 'inc-000001', leg: 'to_incident', route, since: T0, reroutes: 0 } },
        ],
      },
      { kind: 'unit_changes', units: [{ change: { ...assigned, what: 'released', unit: { ...unit, status: 'available' } }, trip: null }] },
      {
        kind: 'shift_entries',
        entries: [{ shiftId: 'shift-000001', seq: 2, at: T0, actor: 'op', kind: 'note', body: { v: 1, text: 'pump 3 slow' } }],
      },
    ];
    for (const b of batches) expect(decodeWriterChange(wire(b))).toEqual(b);
  });

  it('carry every kind of command through the wire unchanged', () => {
    const commands: WriterCommand[] = [
      { kind: 'incident_action', incidentId: 'inc-000001', actor: 'op', command: { action: 'acknowledge' } },
      { kind: 'incident_action', incidentId: 'inc-000001', actor: 'op', command: { action: 'set_severity', severity: 4 }, reason: 'crowd' },
      { kind: 'incident_action', incidentId: 'inc-000001', actor: 'op', command: { action: 'split', evidenceIds: ['alarm:wl-1'] } },
      {
        kind: 'dispatch_assign',
        request: {
          incidentId: 'inc-000001',
          unitIds: ['pump-1'],
          actor: 'disp',
          overrideReason: 'closer',
          expectedVersions: { 'pump-1': 2 },
        },
      },
      { kind: 'dispatch_status', unitId: 'pump-1', to: 'out_of_service', actor: 'disp', reason: 'broken pump' },
      { kind: 'dispatch_recommend', incidentId: 'inc-000001', actor: 'disp', limit: 8 },
      { kind: 'shift_command', command: { action: 'note', actor: 'op', text: 'pump 3 slow' } },
      { kind: 'shift_command', command: { action: 'handover', actor: 'op', incomingLead: 'lead2', note: '' } },
      { kind: 'shift_command', command: { action: 'sign_off', actor: 'lead2', shiftId: 'shift-000001', note: 'ok' } },
    ];
    for (const c of commands) expect(decodeWriterCommand(wire(c))).toEqual(c);
  });

  it('carry every kind of answer through the wire unchanged', () => {
    const answers: WriterAnswer[] = [
      { kind: 'incident_changes', changes: incidentChanges() },
      { kind: 'incident_refused', code: 'action_not_applicable', message: 'incident inc-000001 is closed; reopen it first' },
      { kind: 'unit_changes', changes: [assigned] },
      { kind: 'recommendations', recommendations: [recommendation] },
      { kind: 'dispatch_refused', code: 'version_conflict', message: 'pump-1 changed since you looked' },
      { kind: 'failed', message: 'the store is down' },
      {
        kind: 'shift_result',
        shift: { id: 'shift-000001', lead: 'op', openedAt: T0, status: 'open', notes: [], handover: null, signOff: null },
        opened: null,
      },
      { kind: 'shift_refused', code: 'forbidden', message: 'only lead2 can sign it off, not op' },
    ];
    for (const a of answers) expect(decodeWriterAnswer(wire(a))).toEqual(a);
  });

  it('refuse the strings of the earlier wire format, which no longer say what they are', () => {
    expect(() => decodeWriterChange(JSON.stringify(incidentChanges()))).toThrow(ClusterMessageError);
    expect(() => decodeWriterChange(JSON.stringify({ units: [] }))).toThrow(ClusterMessageError);
    expect(() =>
      decodeWriterCommand(JSON.stringify({ type: 'incident_action', incidentId: 'inc-1', actor: 'op', command: { action: 'close' } })),
    ).toThrow(ClusterMessageError);
    expect(() => decodeWriterAnswer(JSON.stringify({ ok: [] }))).toThrow(ClusterMessageError);
  });

  it('refuse a message that is not JSON or has a bad field, naming the field and quoting the message', () => {
    expect(() => decodeWriterCommand('{"kind":')).toThrow(/a forwarded command from another web node is not understood \(not JSON/);
    const badStatus = JSON.stringify({ kind: 'dispatch_status', unitId: 'pump-1', to: 'asleep', actor: 'disp' });
    expect(() => decodeWriterCommand(badStatus)).toThrow(/\(to: .*\): \{"kind":"dispatch_status"/);
    const badAction = JSON.stringify({ kind: 'incident_action', incidentId: 'inc-1', actor: 'op', command: { action: 'delete' } });
    expect(() => decodeWriterCommand(badAction)).toThrow(/command\.action/);
    const badCode = JSON.stringify({ kind: 'dispatch_refused', code: 'teapot', message: 'no' });
    expect(() => decodeWriterAnswer(badCode)).toThrow(/the writer's answer from another web node is not understood \(code: /);
    const badChange = JSON.stringify({ kind: 'incident_changes', changes: [{ ...incidentChanges()[0], at: 'yesterday' }] });
    expect(() => decodeWriterChange(badChange)).toThrow(/changes\.0\.at/);
  });
});
