import { describe, expect, it } from 'vitest';
import {
  applyCapDeskInput,
  CAP_CANCEL_LISTED_MS,
  createCapDesk,
  publishedCapAlerts,
  type CapDesk,
  type CapDeskInput,
} from './cap-approval.ts';
import { capCancel, capUpdate } from './cap-drafts.ts';
import { MIN, ORIGINAL, run, stamp, T0 } from './fixtures/cap-fixtures.ts';

function refusal(desk: CapDesk, input: CapDeskInput) {
  const r = applyCapDeskInput(desk, input);
  expect(r.ok).toBe(false);
  return r.ok ? null : r.refusal;
}

const state = (desk: CapDesk, id: string) => desk.records.get(id)?.state;

/** The original alert drafted by alice, approved by bob and published. */
function publishedOriginal(): CapDesk {
  return run(
    createCapDesk(),
    { type: 'draft', alert: ORIGINAL, actor: 'alice', at: T0 },
    { type: 'approve', identifier: ORIGINAL.identifier, actor: 'bob', at: T0 + MIN },
    { type: 'publish', identifier: ORIGINAL.identifier, actor: 'bob', at: T0 + MIN },
  );
}

describe('the two-person rule', () => {
  it('refuses the drafter approving their own alert', () => {
    const desk = run(createCapDesk(), { type: 'draft', alert: ORIGINAL, actor: 'alice', at: T0 });
    expect(refusal(desk, { type: 'approve', identifier: ORIGINAL.identifier, actor: 'alice', at: T0 + MIN })).toEqual({
      code: 'self_approval',
      params: { identifier: ORIGINAL.identifier, actor: 'alice' },
    });
    expect(state(desk, ORIGINAL.identifier)).toBe('draft');
  });

  it('draft → approved by another person → published, recording who and when', () => {
    const desk = publishedOriginal();
    expect(desk.records.get(ORIGINAL.identifier)).toMatchObject({
      state: 'published',
      draftedBy: 'alice',
      draftedAt: T0,
      approvedBy: 'bob',
      approvedAt: T0 + MIN,
      publishedBy: 'bob',
      publishedAt: T0 + MIN,
    });
    expect(desk.records.get(ORIGINAL.identifier)!.alert).toEqual(ORIGINAL);
  });

  it('refuses to publish what nobody approved', () => {
    const desk = run(createCapDesk(), { type: 'draft', alert: ORIGINAL, actor: 'alice', at: T0 });
    expect(refusal(desk, { type: 'publish', identifier: ORIGINAL.identifier, actor: 'alice', at: T0 })).toMatchObject({
      code: 'wrong_state',
      params: { state: 'draft', needs: 'approved' },
    });
  });

  it('an edit after approval needs a fresh approval, and the editor cannot give it', () => {
    let desk = run(
      createCapDesk(),
      { type: 'draft', alert: ORIGINAL, actor: 'alice', at: T0 },
      { type: 'approve', identifier: ORIGINAL.identifier, actor: 'bob', at: T0 + MIN },
    );
    const edited = structuredClone(ORIGINAL);
    edited.infos[0]!.headline = '江汉区下穿通道积水预警';
    desk = run(desk, { type: 'edit', identifier: ORIGINAL.identifier, alert: edited, actor: 'bob', at: T0 + 2 * MIN });
    const record = desk.records.get(ORIGINAL.identifier)!;
    expect(record).toMatchObject({ state: 'draft', authors: ['alice', 'bob'] });
    expect(record.approvedBy).toBeUndefined();
    expect(refusal(desk, { type: 'approve', identifier: ORIGINAL.identifier, actor: 'bob', at: T0 + 3 * MIN })?.code).toBe('self_approval');
    expect(refusal(desk, { type: 'approve', identifier: ORIGINAL.identifier, actor: 'alice', at: T0 + 3 * MIN })?.code).toBe(
      'self_approval',
    );
    desk = run(desk, { type: 'approve', identifier: ORIGINAL.identifier, actor: 'carol', at: T0 + 3 * MIN });
    expect(desk.records.get(ORIGINAL.identifier)!.alert.infos[0]!.headline).toBe('江汉区下穿通道积水预警');
  });

  it('a reject needs a reason; a rejected alert can be revised into a new draft', () => {
    let desk = run(createCapDesk(), { type: 'draft', alert: ORIGINAL, actor: 'alice', at: T0 });
    expect(refusal(desk, { type: 'reject', identifier: ORIGINAL.identifier, reason: ' ', actor: 'bob', at: T0 })?.code).toBe(
      'reason_required',
    );
    desk = run(desk, { type: 'reject', identifier: ORIGINAL.identifier, reason: 'wrong district', actor: 'bob', at: T0 + MIN });
    expect(desk.records.get(ORIGINAL.identifier)).toMatchObject({ state: 'rejected', rejectedBy: 'bob', rejectReason: 'wrong district' });
    expect(refusal(desk, { type: 'approve', identifier: ORIGINAL.identifier, actor: 'bob', at: T0 })?.code).toBe('wrong_state');
    desk = run(desk, { type: 'edit', identifier: ORIGINAL.identifier, alert: ORIGINAL, actor: 'alice', at: T0 + 2 * MIN });
    expect(state(desk, ORIGINAL.identifier)).toBe('draft');
  });

  it('refuses invalid alerts, reused identifiers, unknown alerts and anonymous actors', () => {
    const desk = run(createCapDesk(), { type: 'draft', alert: ORIGINAL, actor: 'alice', at: T0 });
    expect(refusal(desk, { type: 'draft', alert: ORIGINAL, actor: 'bob', at: T0 })?.code).toBe('duplicate_identifier');
    const invalid = refusal(createCapDesk(), {
      type: 'draft',
      alert: { ...ORIGINAL, sent: '2026-07-01T06:05:00Z' },
      actor: 'alice',
      at: T0,
    });
    expect(invalid).toMatchObject({
      code: 'invalid_alert',
      problems: [expect.objectContaining({ code: 'date_time', path: 'alert/sent' })],
    });
    expect(refusal(desk, { type: 'approve', identifier: 'nope', actor: 'bob', at: T0 })).toEqual({
      code: 'unknown_alert',
      params: { identifier: 'nope' },
    });
    expect(refusal(desk, { type: 'approve', identifier: ORIGINAL.identifier, actor: '', at: T0 })?.code).toBe('actor_required');
    expect(
      refusal(desk, { type: 'edit', identifier: ORIGINAL.identifier, alert: { ...ORIGINAL, identifier: 'other' }, actor: 'alice', at: T0 })
        ?.code,
    ).toBe('identifier_changed');
  });

  it('leaves the desk it was given unchanged', () => {
    const before = run(createCapDesk(), { type: 'draft', alert: ORIGINAL, actor: 'alice', at: T0 });
    const r = applyCapDeskInput(before, { type: 'approve', identifier: ORIGINAL.identifier, actor: 'bob', at: T0 + MIN });
    expect(r.ok).toBe(true);
    expect(state(before, ORIGINAL.identifier)).toBe('draft');
  });
});

describe('updates and cancels need approval too', () => {
  it('an update of an unpublished alert is refused', () => {
    const desk = run(createCapDesk(), { type: 'draft', alert: ORIGINAL, actor: 'alice', at: T0 });
    expect(refusal(desk, { type: 'draft', alert: capUpdate(ORIGINAL, stamp(30)), actor: 'alice', at: T0 })).toMatchObject({
      code: 'original_not_published',
      params: { original: ORIGINAL.identifier, state: 'draft' },
    });
  });

  it('an approved update supersedes the original when published; an approved cancel then cancels the update', () => {
    const update = capUpdate(ORIGINAL, { ...stamp(30), info: { severity: 'Extreme' } });
    let desk = run(publishedOriginal(), { type: 'draft', alert: update, actor: 'carol', at: T0 + 30 * MIN });
    expect(refusal(desk, { type: 'approve', identifier: update.identifier, actor: 'carol', at: T0 + 31 * MIN })?.code).toBe(
      'self_approval',
    );
    expect(state(desk, ORIGINAL.identifier)).toBe('published');
    const published = applyCapDeskInput(run(desk, { type: 'approve', identifier: update.identifier, actor: 'alice', at: T0 + 31 * MIN }), {
      type: 'publish',
      identifier: update.identifier,
      actor: 'alice',
      at: T0 + 31 * MIN,
    });
    expect(published.ok && published.changed.map((r) => [r.identifier, r.state])).toEqual([
      [update.identifier, 'published'],
      [ORIGINAL.identifier, 'superseded'],
    ]);
    desk = published.ok ? published.desk : desk;
    expect(desk.records.get(ORIGINAL.identifier)!.supersededBy).toBe(update.identifier);
    expect(publishedCapAlerts(desk, T0 + 40 * MIN).map((a) => a.identifier)).toEqual([update.identifier]);

    // A second update of the superseded original is refused: updates follow the published head.
    expect(refusal(desk, { type: 'draft', alert: capUpdate(ORIGINAL, stamp(45)), actor: 'bob', at: T0 })?.code).toBe(
      'original_not_published',
    );

    const cancel = capCancel(update, '积水已排除 / Water pumped away', stamp(90));
    desk = run(
      desk,
      { type: 'draft', alert: cancel, actor: 'bob', at: T0 + 90 * MIN },
      { type: 'approve', identifier: cancel.identifier, actor: 'carol', at: T0 + 91 * MIN },
      { type: 'publish', identifier: cancel.identifier, actor: 'carol', at: T0 + 91 * MIN },
    );
    expect(state(desk, update.identifier)).toBe('cancelled');
    expect(publishedCapAlerts(desk, T0 + 100 * MIN).map((a) => a.msgType)).toEqual(['Cancel']);
    expect(publishedCapAlerts(desk, T0 + 90 * MIN + CAP_CANCEL_LISTED_MS)).toEqual([]);
  });

  it('an alert leaves the feed when it expires', () => {
    const desk = publishedOriginal();
    expect(publishedCapAlerts(desk, T0 + 179 * MIN)).toHaveLength(1);
    expect(publishedCapAlerts(desk, T0 + 180 * MIN)).toEqual([]);
  });
});
