/**
 * The shift log tab (docs/shifts.md): the current shift with its lead, notes and status; a new
 * note; the handover to the incoming lead with the summary the server takes at that moment (open
 * incidents by severity, those nobody acknowledged, units not available); the sign-off, offered
 * to the incoming lead named at the handover; the earlier shifts. A refusal (a handover to
 * oneself, the wrong person signing off) is shown as the server words it.
 */
import type { ShiftRecord } from '../../../twin-model/shifts/shift-log.ts';
import type { Me } from '../backend/session.ts';
import { jsonCall } from '../backend/session.ts';
import { incidentTypeLabel } from '../i18n/incident-labels.ts';
import { h, setText } from '../ui/dom.ts';
import { ot } from './ops-strings.ts';
import { button, card, cityTime, field, fill, messageLine, say, table, type OpsTab } from './ops-ui.ts';
import { formatList } from '../i18n/format.ts';
import { getLanguage } from '../i18n/language.ts';

export class ShiftsTab implements OpsTab {
  readonly el: HTMLElement;
  private current: ShiftRecord | null = null;
  private shifts: ShiftRecord[] = [];
  private loaded = false;
  private readonly canWrite: boolean;

  private readonly heading = h('h2', {});
  private readonly currentBox = h('div', { 'data-testid': 'shift-current' });
  private readonly noteText = h('textarea', { rows: 3, maxlength: 4000, 'data-testid': 'shift-note-text' });
  private readonly noteLabel = h('span', {});
  private readonly noteAdd = button('shift-note-add');
  private readonly handoverHeading = h('h3', {});
  private readonly incoming = h('input', { type: 'text', maxlength: 32, autocomplete: 'off', 'data-testid': 'shift-incoming' });
  private readonly incomingLabel = h('span', {});
  private readonly handoverNote = h('textarea', { rows: 2, maxlength: 4000, 'data-testid': 'shift-handover-note' });
  private readonly handoverNoteLabel = h('span', {});
  private readonly handoverButton = button('shift-handover');
  private readonly handoverForm: HTMLElement;
  private readonly signOffNote = h('textarea', { rows: 2, maxlength: 4000, 'data-testid': 'shift-signoff-note' });
  private readonly signOffNoteLabel = h('span', {});
  private readonly signOffButton = button('shift-signoff');
  private readonly signOffForm: HTMLElement;
  private readonly message = messageLine('shift-message');
  private readonly historyHeading = h('h2', {});
  private readonly historyBox = h('div', { 'data-testid': 'shift-history' });

  constructor(private readonly me: Me) {
    this.canWrite = me.permissions.includes('shiftlog.write');
    this.noteAdd.addEventListener('click', () => void this.addNote());
    this.handoverButton.addEventListener('click', () => void this.handOver());
    this.signOffButton.addEventListener('click', () => void this.signOff());
    this.handoverForm = h(
      'div',
      { class: 'shift-form', 'data-testid': 'shift-handover-form' },
      this.handoverHeading,
      h('div', { class: 'ops-toolbar' }, field(this.incomingLabel, this.incoming)),
      field(this.handoverNoteLabel, this.handoverNote),
      h('div', { class: 'ops-buttons' }, this.handoverButton),
    );
    this.signOffForm = h(
      'div',
      { class: 'shift-form', 'data-testid': 'shift-signoff-form' },
      field(this.signOffNoteLabel, this.signOffNote),
      h('div', { class: 'ops-buttons' }, this.signOffButton),
    );
    const write = this.canWrite
      ? h(
          'div',
          { class: 'shift-write' },
          field(this.noteLabel, this.noteText),
          h('div', { class: 'ops-buttons' }, this.noteAdd),
          this.handoverForm,
          this.signOffForm,
        )
      : h('p', { class: 'ops-muted' }, '');
    this.el = h(
      'div',
      { class: 'ops-grid shifts-tab', 'data-testid': 'shifts-tab' },
      card('shift-current-card', this.heading, this.currentBox, this.message, write),
      card('shift-history-card', this.historyHeading, this.historyBox),
    );
  }

  async load(): Promise<void> {
    const [current, shifts] = await Promise.all([
      jsonCall<{ shift: ShiftRecord | null }>('GET', '/api/shifts/current'),
      jsonCall<ShiftRecord[]>('GET', '/api/shifts?limit=20'),
    ]);
    if (current.ok) this.current = current.value.shift;
    else say(this.message, ot('loadFailed', { reason: current.error }), 'error');
    if (shifts.ok) this.shifts = shifts.value;
    this.loaded = true;
    this.render();
  }

  render(): void {
    setText(this.heading, ot('shifts.current'));
    setText(this.noteLabel, ot('shifts.note'));
    setText(this.noteAdd, ot('shifts.addNote'));
    setText(this.handoverHeading, ot('shifts.handover'));
    setText(this.incomingLabel, ot('shifts.incoming'));
    setText(this.handoverNoteLabel, ot('shifts.handoverNote'));
    setText(this.handoverButton, ot('shifts.handOver'));
    setText(this.signOffNoteLabel, ot('shifts.signOffNote'));
    setText(this.signOffButton, ot('shifts.signOff'));
    setText(this.historyHeading, ot('shifts.history'));
    const s = this.current;
    // Hand over an open shift; sign off one handed to me.
    this.handoverForm.hidden = s?.status !== 'open';
    this.signOffForm.hidden = s?.status !== 'handed_over' || s.handover?.incomingLead !== this.me.username;
    fill(
      this.currentBox,
      !this.loaded
        ? h('p', { class: 'ops-muted' }, ot('loading'))
        : s
          ? this.shiftView(s, true)
          : h('p', { class: 'ops-muted' }, ot('shifts.noShift')),
    );
    const earlier = this.shifts.filter((x) => x.id !== s?.id);
    fill(
      this.historyBox,
      earlier.length === 0
        ? h('p', { class: 'ops-muted' }, ot('none'))
        : table(
            'shift-history-table',
            [ot('shifts.col.shift'), ot('shifts.lead'), ot('shifts.openedAt'), ot('shifts.status')],
            earlier.map((x) =>
              h(
                'tr',
                { 'data-testid': 'shift-row', 'data-shift-id': x.id },
                h('td', { class: 'mono' }, x.id),
                h('td', {}, x.lead),
                h('td', { class: 'mono nowrap' }, cityTime(x.openedAt)),
                h(
                  'td',
                  {},
                  ot(`shifts.status.${x.status}`),
                  x.handover
                    ? h(
                        'div',
                        { class: 'ops-muted' },
                        ot('shifts.handedTo', { by: x.handover.by, to: x.handover.incomingLead, time: cityTime(x.handover.at) }),
                      )
                    : null,
                  x.signOff
                    ? h('div', { class: 'ops-muted' }, ot('shifts.signedOff', { by: x.signOff.by, time: cityTime(x.signOff.at) }))
                    : null,
                ),
              ),
            ),
          ),
    );
  }

  private shiftView(s: ShiftRecord, full: boolean): HTMLElement {
    const facts = h(
      'dl',
      { class: 'ops-facts' },
      h('dt', {}, ot('shifts.col.shift')),
      h('dd', { class: 'mono', 'data-testid': 'shift-id' }, s.id),
      h('dt', {}, ot('shifts.lead')),
      h('dd', { 'data-testid': 'shift-lead' }, s.lead),
      h('dt', {}, ot('shifts.openedAt')),
      h('dd', { class: 'mono' }, cityTime(s.openedAt)),
      h('dt', {}, ot('shifts.status')),
      h('dd', { 'data-testid': 'shift-status', 'data-status': s.status }, ot(`shifts.status.${s.status}`)),
    );
    const notes = h(
      'ol',
      { class: 'shift-notes', 'data-testid': 'shift-notes' },
      ...s.notes.map((n) =>
        h(
          'li',
          { 'data-testid': 'shift-note' },
          h('div', { class: 'ops-muted' }, h('span', { class: 'mono' }, cityTime(n.at)), ` · ${n.author}`),
          h('div', { class: 'shift-note-text' }, n.text),
        ),
      ),
    );
    const parts: HTMLElement[] = [
      facts,
      h('h3', {}, ot('shifts.notes')),
      s.notes.length ? notes : h('p', { class: 'ops-muted' }, ot('shifts.noNotes')),
    ];
    if (s.handover && full) parts.push(this.handoverView(s));
    return h('div', {}, ...parts);
  }

  private handoverView(s: ShiftRecord): HTMLElement {
    const ho = s.handover!;
    const sum = ho.summary;
    const sev = Object.entries(sum.bySeverity)
      .sort(([a], [b]) => Number(b) - Number(a))
      .map(([k, n]) => `${k}: ${n}`)
      .join(' · ');
    return h(
      'div',
      { class: 'shift-handover', 'data-testid': 'shift-summary' },
      h('h3', {}, ot('shifts.summary', { time: cityTime(sum.at) })),
      h('p', {}, ot('shifts.handedTo', { by: ho.by, to: ho.incomingLead, time: cityTime(ho.at) })),
      ho.note ? h('p', { class: 'shift-note-text' }, ho.note) : null,
      h(
        'dl',
        { class: 'ops-facts' },
        h('dt', {}, ot('shifts.summary.open', { n: sum.openIncidents })),
        h(
          'dd',
          { 'data-testid': 'shift-summary-open', 'data-n': sum.openIncidents },
          `${ot('shifts.summary.bySeverity')} ${sev || ot('shifts.summary.none')}`,
        ),
        h('dt', {}, ot('shifts.summary.unack')),
        h(
          'dd',
          { 'data-testid': 'shift-summary-unack', 'data-n': sum.unacknowledged.length },
          sum.unacknowledged.length === 0
            ? ot('shifts.summary.none')
            : h(
                'ul',
                {},
                ...sum.unacknowledged.map((i) =>
                  h(
                    'li',
                    {},
                    h('span', { class: 'mono' }, i.id),
                    ` · ${incidentTypeLabel(i.type)} · ${i.severity} · ${cityTime(i.openedAt)}`,
                  ),
                ),
              ),
        ),
        h('dt', {}, ot('shifts.summary.units')),
        h(
          'dd',
          { 'data-testid': 'shift-summary-units', 'data-n': sum.unitsOut.length },
          sum.unitsOut.length === 0
            ? ot('shifts.summary.none')
            : formatList(
                sum.unitsOut.map((u) => `${u.unitId} (${u.status}${u.incidentId ? ` · ${u.incidentId}` : ''})`),
                getLanguage(),
              ),
        ),
      ),
      s.signOff
        ? h('p', {}, ot('shifts.signedOff', { by: s.signOff.by, time: cityTime(s.signOff.at) }))
        : h('p', { class: 'ops-warn', 'data-testid': 'shift-waiting' }, ot('shifts.waiting', { to: ho.incomingLead })),
    );
  }

  private async addNote(): Promise<void> {
    const text = this.noteText.value.trim();
    if (!text) {
      say(this.message, ot('shifts.noteMissing'), 'error');
      return;
    }
    const r = await jsonCall<ShiftRecord>('POST', '/api/shifts/current/notes', { text });
    if (!r.ok) {
      say(this.message, ot('shifts.failed', { reason: r.error }), 'error');
      return;
    }
    this.noteText.value = '';
    say(this.message, ot('saved'), 'ok');
    await this.load();
  }

  private async handOver(): Promise<void> {
    const r = await jsonCall<ShiftRecord>('POST', '/api/shifts/current/handover', {
      incomingLead: this.incoming.value.trim(),
      note: this.handoverNote.value.trim(),
    });
    if (!r.ok) {
      say(this.message, ot('shifts.failed', { reason: r.error }), 'error');
      return;
    }
    this.incoming.value = '';
    this.handoverNote.value = '';
    say(this.message, ot('saved'), 'ok');
    await this.load();
  }

  private async signOff(): Promise<void> {
    const s = this.current;
    if (!s) return;
    const r = await jsonCall('POST', `/api/shifts/${encodeURIComponent(s.id)}/sign-off`, { note: this.signOffNote.value.trim() });
    if (!r.ok) {
      say(this.message, ot('shifts.failed', { reason: r.error }), 'error');
      return;
    }
    this.signOffNote.value = '';
    say(this.message, ot('saved'), 'ok');
    await this.load();
  }
}
