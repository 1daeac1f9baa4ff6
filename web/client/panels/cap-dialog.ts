/**
 * The public-warning dialogs (docs/cap.md): "发布预警 / Draft public warning" from an incident
 * (the server drafts it with `capDraftFromIncident` — area, event, urgency, severity, certainty,
 * texts in zh-CN and English — and the form shows it to be edited and saved), editing a draft,
 * drafting an Update or a Cancel of a published alert. Every call goes to the desk's routes;
 * the two-person rule is the server's: saving makes the user an author, who cannot approve.
 */
import type { CapRecordView } from '../../shared/cap-protocol.ts';
import type { IncidentView } from '../../shared/protocol.ts';
import { jsonCall, type AuthResult } from '../backend/session.ts';
import { formatDateTime } from '../i18n/format.ts';
import { incidentTypeLabel } from '../i18n/incident-labels.ts';
import { getLanguage, t } from '../i18n/language.ts';
import type { StringKey } from '../i18n/strings.ts';
import { h, setText } from '../ui/dom.ts';
import {
  CAP_CERTAINTY_CHOICES,
  CAP_SEVERITY_CHOICES,
  CAP_URGENCY_CHOICES,
  capFormChanges,
  capFormFromRecord,
  type CapChangesBody,
  type CapFormValues,
} from './cap-form.ts';

/** A modal card over the console; `close` takes it away. */
export interface CapModal {
  card: HTMLElement;
  status: HTMLElement;
  close(): void;
}

/** Opens a modal card with a title; Escape and the backdrop close it. */
export function openCapModal(title: string, testId: string, onClose: () => void = () => {}): CapModal {
  const status = h('div', { class: 'login-error cap-status', role: 'status', hidden: true, 'data-testid': 'cap-message' });
  const closeButton = h('button', { type: 'button', class: 'dialog-cancel cap-close', 'data-testid': 'cap-close' }, t('cap.close'));
  const card = h('div', { class: 'login-card cap-card', role: 'dialog', 'aria-modal': 'true', 'data-testid': testId });
  const head = h('div', { class: 'cap-head' }, h('h2', { class: 'login-title' }, title), closeButton);
  card.append(head, status);
  const backdrop = h('div', { class: 'login-view dialog-backdrop cap-backdrop' }, card);
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape') close();
  };
  const close = () => {
    backdrop.remove();
    document.removeEventListener('keydown', onKey);
    onClose();
  };
  closeButton.addEventListener('click', close);
  backdrop.addEventListener('click', (e) => {
    if (e.target === backdrop) close();
  });
  document.addEventListener('keydown', onKey);
  document.body.appendChild(backdrop);
  return { card, status, close };
}

/** Shows a result on the modal: the done text, or the server's refusal worded. */
export function showCapResult(status: HTMLElement, r: AuthResult<unknown>, done: string): void {
  status.hidden = false;
  status.classList.toggle('ok', r.ok);
  setText(status, r.ok ? done : capRefusalText(r));
}

/** Shows what is wrong with the form, before anything is sent. */
export function showCapError(status: HTMLElement, text: string): void {
  status.hidden = false;
  status.classList.remove('ok');
  setText(status, text);
}

/** A refusal of the desk worded: the two-person rule by its code, others with the server's reason. */
export function capRefusalText(r: { error: string; details?: Record<string, unknown> }): string {
  if (r.details?.code === 'self_approval') return t('cap.error.self_approval');
  return t('cap.failed', { reason: r.error });
}

function field(label: string, input: HTMLElement, hint?: string): HTMLElement {
  return h('label', { class: 'login-field cap-field' }, h('span', {}, label), input, hint ? h('small', { class: 'muted' }, hint) : null);
}

function choice(name: string, options: readonly string[], value: string): HTMLSelectElement {
  const select = h('select', { class: 'cap-select', 'data-testid': `cap-field-${name}` });
  for (const o of options) select.append(h('option', { value: o, selected: o === value }, t(`cap.${name}.${o}` as StringKey)));
  return select;
}

function textBox(name: string, value: string, rows: number): HTMLTextAreaElement {
  const area = h('textarea', { class: 'cap-text', rows, maxlength: '2000', 'data-testid': `cap-field-${name}` });
  area.value = value;
  return area;
}

/** "发布预警 / Draft public warning" from an incident: status and validity, then the drafted alert to edit. */
export function openCapDraftDialog(inc: IncidentView, onChanged: () => void): void {
  const modal = openCapModal(t('cap.draftTitle'), 'cap-dialog', onChanged);
  const status = h('select', { class: 'cap-select', 'data-testid': 'cap-field-status' });
  for (const s of ['Actual', 'Exercise']) status.append(h('option', { value: s }, t(`cap.status.${s}` as StringKey)));
  const hours = h('input', { type: 'number', min: '0.25', max: '168', step: '0.25', value: '6', 'data-testid': 'cap-field-hours' });
  const create = h('button', { type: 'submit', class: 'login-submit', 'data-testid': 'cap-create' }, t('cap.create'));
  const form = h(
    'form',
    { class: 'cap-form', novalidate: true },
    h('p', { class: 'cap-summary' }, `${incidentTypeLabel(inc.type)} · ${t('cap.incident', { id: inc.id })}`),
    h('div', { class: 'cap-row' }, field(t('cap.status'), status), field(t('cap.expiresInH'), hours)),
    h('div', { class: 'dialog-actions' }, create),
  );
  modal.card.append(form);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const n = Number(hours.value);
    if (!Number.isFinite(n) || n < 0.25 || n > 168) {
      showCapError(modal.status, t('cap.badHours', { value: hours.value }));
      return;
    }
    create.disabled = true;
    void jsonCall<CapRecordView>('POST', `/api/incidents/${encodeURIComponent(inc.id)}/cap`, {
      status: status.value,
      expiresInH: n,
    }).then((r) => {
      create.disabled = false;
      if (!r.ok) return showCapResult(modal.status, r, '');
      form.remove();
      modal.status.hidden = true;
      appendCapEditForm(modal, r.value, 'edit');
    });
  });
  status.focus();
}

/** Edits a draft (or a rejected or approved alert, which goes back to draft). */
export function openCapEditDialog(record: CapRecordView, onChanged: () => void): void {
  appendCapEditForm(openCapModal(t('cap.editTitle'), 'cap-dialog', onChanged), record, 'edit');
}

/** Drafts an Update of a published alert, starting from its texts. */
export function openCapUpdateDialog(record: CapRecordView, onChanged: () => void): void {
  appendCapEditForm(openCapModal(t('cap.updateTitle'), 'cap-dialog', onChanged), record, 'update');
}

/** Drafts a Cancel of a published alert, with the reason people read. */
export function openCapCancelDialog(record: CapRecordView, onChanged: () => void): void {
  const modal = openCapModal(t('cap.cancelTitle'), 'cap-dialog', onChanged);
  const reason = textBox('reason', '', 3);
  const submit = h('button', { type: 'submit', class: 'login-submit', 'data-testid': 'cap-submit' }, t('cap.submit'));
  const form = h(
    'form',
    { class: 'cap-form', novalidate: true },
    h('p', { class: 'cap-summary' }, `${headlineOf(record)} · ${record.areaDesc}`),
    field(t('cap.reason'), reason),
    h('div', { class: 'dialog-actions' }, submit),
  );
  modal.card.append(form);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (reason.value.trim() === '') return showCapError(modal.status, t('cap.reasonRequired'));
    submit.disabled = true;
    void jsonCall('POST', `/api/cap/alerts/${encodeURIComponent(record.identifier)}/cancel`, { reason: reason.value.trim() }).then((r) => {
      submit.disabled = false;
      showCapResult(modal.status, r, t('cap.done.draft'));
      if (r.ok) form.remove();
    });
  });
  reason.focus();
}

/** The headline in the console's language (else the other, else the event). */
export function headlineOf(r: CapRecordView): string {
  const mine = getLanguage() === 'zh' ? 'zh' : 'en';
  const first = r.texts.find((x) => x.language.toLowerCase().startsWith(mine)) ?? r.texts[0];
  return first?.headline ?? first?.event ?? r.identifier;
}

/** The form of an alert's fields: saves an edit, or drafts an update (with its note). */
function appendCapEditForm(modal: CapModal, record: CapRecordView, mode: 'edit' | 'update'): void {
  const v = capFormFromRecord(record);
  const severity = choice('severity', CAP_SEVERITY_CHOICES, v.severity);
  const urgency = choice('urgency', CAP_URGENCY_CHOICES, v.urgency);
  const certainty = choice('certainty', CAP_CERTAINTY_CHOICES, v.certainty);
  const hours = h('input', { type: 'number', min: '0.25', max: '168', step: '0.25', 'data-testid': 'cap-field-hours' });
  const headZh = textBox('headline-zh', v.headline.zh, 2);
  const headEn = textBox('headline-en', v.headline.en, 2);
  const instrZh = textBox('instruction-zh', v.instruction.zh, 3);
  const instrEn = textBox('instruction-en', v.instruction.en, 3);
  const note = mode === 'update' ? textBox('note', '', 2) : null;
  const save = h(
    'button',
    { type: 'submit', class: 'login-submit', 'data-testid': 'cap-save' },
    mode === 'edit' ? t('cap.save') : t('cap.submit'),
  );
  const events = record.texts.map((x) => x.event).join(' / ');
  const meta = [
    `${t('cap.event')}: ${events}`,
    `${t('cap.area')}: ${record.areaDesc}`,
    record.expires ? t('cap.expires', { time: formatDateTime(Date.parse(record.expires)) }) : null,
    t('cap.draftedBy', { who: record.draftedBy, time: formatDateTime(record.draftedAt) }),
  ].filter((x): x is string => x !== null);
  const form = h(
    'form',
    { class: 'cap-form', novalidate: true, 'data-testid': 'cap-edit-form', 'data-identifier': record.identifier },
    h('ul', { class: 'cap-meta', 'data-testid': 'cap-meta' }, ...meta.map((m) => h('li', {}, m))),
    h(
      'div',
      { class: 'cap-row' },
      field(t('cap.severity'), severity),
      field(t('cap.urgency'), urgency),
      field(t('cap.certainty'), certainty),
    ),
    field(t('cap.expiresInH'), hours, t('cap.hoursKeep')),
    h('div', { class: 'cap-row cap-langs' }, field(t('cap.headlineZh'), headZh), field(t('cap.headlineEn'), headEn)),
    h('div', { class: 'cap-row cap-langs' }, field(t('cap.instructionZh'), instrZh), field(t('cap.instructionEn'), instrEn)),
    note ? field(t('cap.note'), note) : null,
    h('div', { class: 'dialog-actions' }, save),
  );
  modal.card.append(form);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const values: CapFormValues = {
      severity: severity.value,
      urgency: urgency.value,
      certainty: certainty.value,
      expiresInH: hours.value,
      headline: { zh: headZh.value, en: headEn.value },
      instruction: { zh: instrZh.value, en: instrEn.value },
    };
    const checked = capFormChanges(record, values);
    if (!checked.ok) return showCapError(modal.status, t('cap.badHours', { value: checked.value }));
    const body: CapChangesBody & { note?: string } = { ...checked.changes };
    if (note && note.value.trim() !== '') body.note = note.value.trim();
    const path = `/api/cap/alerts/${encodeURIComponent(record.identifier)}/${mode}`;
    // An edit with nothing changed is not sent (it would only add the user as an author).
    if (mode === 'edit' && Object.keys(body).length === 0) return showCapResult(modal.status, { ok: true, value: null }, t('cap.saved'));
    save.disabled = true;
    void jsonCall<CapRecordView>('POST', path, body).then((r) => {
      save.disabled = false;
      showCapResult(modal.status, r, mode === 'edit' ? t('cap.saved') : t('cap.done.draft'));
      if (r.ok) record = r.value;
    });
  });
  headZh.focus();
}
