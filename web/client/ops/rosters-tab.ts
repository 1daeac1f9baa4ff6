/**
 * The on-call tab (docs/notifications.md, "On-call rosters"): who is on call now per team and
 * tier, on the city's clocks (`GET /api/oncall`, roles with `oncall.read`); admins edit the
 * rosters themselves below it.
 */
import type { Me } from '../backend/session.ts';
import { jsonCall } from '../backend/session.ts';
import { h, setText } from '../ui/dom.ts';
import { DocSection } from './notify-doc-section.ts';
import { ot } from './ops-strings.ts';
import { card, cityTime, fill, messageLine, say, table, type OpsTab } from './ops-ui.ts';
import { formatList } from '../i18n/format.ts';
import { getLanguage } from '../i18n/language.ts';

interface OnCall {
  at: number;
  teams: Array<{ team: string; name?: string; tiers: string[][] }>;
}

export class RostersTab implements OpsTab {
  readonly el: HTMLElement;
  private onCall: OnCall | null = null;
  private readonly heading = h('h2', {});
  private readonly box = h('div', { 'data-testid': 'oncall' });
  private readonly message = messageLine('oncall-message');
  private readonly rosters: DocSection | null;

  constructor(me: Me) {
    this.rosters = me.permissions.includes('notify.admin') ? new DocSection('rosters', () => void this.loadOnCall()) : null;
    this.el = h(
      'div',
      { class: 'ops-grid rosters-tab', 'data-testid': 'rosters-tab' },
      card('oncall-card', this.heading, this.message, this.box),
      this.rosters?.el ?? null,
    );
  }

  async load(): Promise<void> {
    await Promise.all([this.loadOnCall(), this.rosters?.load()]);
  }

  private async loadOnCall(): Promise<void> {
    const r = await jsonCall<OnCall>('GET', '/api/oncall');
    if (r.ok) {
      this.onCall = r.value;
      say(this.message, '');
    } else say(this.message, ot('loadFailed', { reason: r.error }), 'error');
    this.render();
  }

  render(): void {
    setText(this.heading, ot('rosters.now', { time: cityTime(this.onCall?.at ?? Date.now()) }));
    this.rosters?.render();
    const teams = this.onCall?.teams ?? [];
    if (teams.length === 0) {
      fill(this.box, h('p', { class: 'ops-muted' }, this.onCall ? ot('rosters.none') : ot('loading')));
      return;
    }
    const tiers = Math.max(1, ...teams.map((t) => t.tiers.length));
    fill(
      this.box,
      table(
        'oncall-table',
        [ot('rosters.team'), ...Array.from({ length: tiers }, (_, i) => ot('rosters.tier', { n: i + 1 }))],
        teams.map((t) =>
          h(
            'tr',
            { 'data-testid': 'oncall-team', 'data-team': t.team },
            h('td', {}, h('span', { class: 'mono' }, t.team), t.name ? h('span', { class: 'ops-muted' }, ` · ${t.name}`) : null),
            ...Array.from({ length: tiers }, (_, i) => {
              const people = t.tiers[i] ?? [];
              return h(
                'td',
                { class: people.length ? '' : 'ops-bad', 'data-tier': i + 1 },
                people.length ? formatList(people, getLanguage()) : ot('rosters.gap'),
              );
            }),
          ),
        ),
      ),
    );
  }
}
