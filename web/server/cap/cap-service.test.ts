import { describe, expect, it } from 'vitest';
import { CapDeskRefused } from './cap-service.ts';

/** A line break and a right-to-left override early, then 500 characters in all. */
const HOSTILE = `ab\n\u202ecd${'x'.repeat(494)}`;
/** HOSTILE as quoteValue writes it: quoted, escaped, cut at 80 characters. */
const QUOTED = `"ab\\n\\u202ecd${'x'.repeat(67)}…`;

describe("the CAP desk's refusals", () => {
  it('quote the identifiers and references the sender wrote, cut and escaped', () => {
    const message = (code: string, params: Record<string, string>) =>
      new CapDeskRefused({ code, params } as ConstructorParameters<typeof CapDeskRefused>[0]).message;
    expect(message('unknown_alert', { identifier: HOSTILE })).toBe(`no alert ${QUOTED} on the desk`);
    expect(message('duplicate_identifier', { identifier: HOSTILE })).toBe(`an alert ${QUOTED} is already on the desk`);
    expect(message('identifier_changed', { identifier: 'a-1', value: HOSTILE })).toBe(
      `an edit cannot change the identifier of "a-1" (to ${QUOTED})`,
    );
    expect(message('wrong_state', { identifier: HOSTILE, state: 'draft', needs: 'approved' })).toBe(
      `alert ${QUOTED} is draft; this needs it approved`,
    );
    expect(message('unknown_original', { identifier: 'a-2', reference: HOSTILE })).toBe(
      `the alert this follows (${QUOTED}) is not on the desk`,
    );
    for (const code of ['invalid_alert', 'self_approval', 'reason_required', 'original_not_published']) {
      expect(message(code, { identifier: HOSTILE, original: HOSTILE, actor: 'li', state: 'draft' }), code).not.toMatch(/[\n\u202e]/);
    }
  });
});
