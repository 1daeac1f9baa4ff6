/**
 * "Next escalation in mm:ss" on the incident queue's rows and the incident detail
 * (docs/notifications.md): the escalations arrive on the socket's `escalations` event (every
 * escalation in progress, on connect and whenever one changes) stamped with `serverTime`, so
 * the countdown runs on the server's clock whatever the desk PC's clock says. The badges are
 * plain elements carrying their incident id; one timer rewrites every badge on the page once a
 * second, so the panels need not redraw for it.
 */
import type { EscalationsMessage, IncidentEscalationView } from '../../shared/protocol.ts';
import { formatCountdown } from '../i18n/format.ts';
import { t } from '../i18n/language.ts';
import { ServerClock } from '../stream/server-clock.ts';
import { h, setAttr, setHidden, setText } from '../ui/dom.ts';

/** Where the escalations stand now, by incident, and the server's clock. */
export class EscalationClock {
  private byIncident = new Map<string, IncidentEscalationView>();
  readonly clock = new ServerClock();

  /** Takes the `escalations` event: the list replaces the one before. */
  update(msg: EscalationsMessage, receivedAt = Date.now()): void {
    this.clock.observe(msg.serverTime, receivedAt);
    this.byIncident = new Map(msg.escalations.map((e) => [e.incidentId, e]));
  }

  get(incidentId: string): IncidentEscalationView | undefined {
    return this.byIncident.get(incidentId);
  }

  get size(): number {
    return this.byIncident.size;
  }

  /** The server's time now (the client's clock corrected by the last `serverTime`). */
  now(clientNow = Date.now()): number {
    return this.clock.now(clientNow);
  }
}

/** What a badge says: the short text, the long title, or null when no page is due (no policy, acknowledged, schedule done). */
export function escalationText(e: IncidentEscalationView | undefined, serverNow: number): { text: string; title: string } | null {
  if (!e || e.nextEscalationAt === null || e.nextTier === null) return null;
  const left = e.nextEscalationAt - serverNow;
  const mmss = formatCountdown(left);
  const tier = e.nextTier;
  const reminder = (e.nextRepeat ?? 0) > 0;
  const text =
    left <= 0 ? t('escalation.due', { tier }) : reminder ? t('escalation.reminder', { tier, mmss }) : t('escalation.next', { tier, mmss });
  const title = reminder ? t('escalation.titleReminder', { tier, mmss }) : t('escalation.title', { tier, mmss, paged: e.tier });
  return { text, title };
}

/** The console's escalations (one socket, one page). */
export const escalations = new EscalationClock();

const BADGE = 'data-escalation-for';
let timer = 0;

/** Rewrites one badge from the escalations now. */
function paint(el: HTMLElement, serverNow: number): void {
  const id = el.getAttribute(BADGE) ?? '';
  const e = escalations.get(id);
  const what = escalationText(e, serverNow);
  // Repainted every second: the DOM is touched only where something changed.
  setHidden(el, what === null);
  setText(el, what?.text ?? '');
  if (what) {
    setAttr(el, 'title', what.title);
    setAttr(el, 'data-tier', String(e!.nextTier));
    setAttr(el, 'data-due', String(e!.nextEscalationAt));
    setAttr(el, 'data-overdue', String(e!.nextEscalationAt! <= serverNow));
  }
}

function paintAll(): void {
  const now = escalations.now();
  for (const el of document.querySelectorAll<HTMLElement>(`[${BADGE}]`)) paint(el, now);
}

/** The socket's `escalations` event: keeps the list and redraws every badge at once, then every second. */
export function onEscalations(msg: EscalationsMessage): void {
  escalations.update(msg);
  paintAll();
  if (!timer) timer = window.setInterval(paintAll, 1000);
}

/** A badge for `incidentId` (hidden while no page is due); `place` styles it for a queue row or the detail. */
export function escalationBadge(incidentId: string, place: 'row' | 'detail'): HTMLElement {
  const el = h('span', {
    class: `escalation-badge escalation-${place}`,
    [BADGE]: incidentId,
    'data-testid': place === 'row' ? 'escalation-badge' : 'incident-escalation',
    role: 'timer',
    'aria-label': t('escalation.label'),
  });
  paint(el, escalations.now());
  return el;
}
