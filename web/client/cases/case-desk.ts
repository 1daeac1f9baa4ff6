/**
 * What the case desk does: reads the list for the filter, opens a case, sends a command and
 * words its outcome, merges a `case` event. It changes the page's state and asks the panels
 * that show what changed to redraw.
 */
import { jsonCall } from '../backend/session.ts';
import type {
  CaseCommandResponse,
  CaseDepartmentsResponse,
  CaseDetailResponse,
  CaseListResponse,
  CaseUpdateMessage,
} from '../../shared/case-protocol.ts';
import type { Panel } from '../app/panel.ts';
import type { CommandBody } from './case-actions.ts';
import { mergeCaseUpdate } from './case-list-merge.ts';
import { ct, refusalText, setDepartmentNames, wordOf } from './case-strings.ts';
import type { CasesState } from './cases-state.ts';
import { listQuery } from './cases-state.ts';
import { formatList } from '../i18n/format.ts';
import { getLanguage } from '../i18n/language.ts';

/** The panels the desk redraws by name. */
export interface DeskPanels {
  header: Panel<CasesState>;
  list: Panel<CasesState>;
  detail: Panel<CasesState>;
}

export class CaseDesk {
  constructor(
    private readonly state: CasesState,
    private readonly panels: DeskPanels,
  ) {}

  async loadDepartments(): Promise<void> {
    const d = await jsonCall<CaseDepartmentsResponse>('GET', '/api/case-departments');
    this.state.departments = d.ok ? d.value : null;
    setDepartmentNames(d.ok ? d.value.namesEn : []);
    this.panels.header.render(this.state);
  }

  async loadList(): Promise<void> {
    const s = this.state;
    const r = await jsonCall<CaseListResponse>('GET', `/api/cases?${listQuery(s.filter)}`);
    if (r.ok) {
      s.cases = r.value.cases;
      s.total = r.value.total;
      s.listError = null;
    } else {
      s.cases = [];
      s.total = 0;
      s.listError = r.error;
    }
    this.panels.list.render(s);
  }

  /** A `case` event: the list merged, the open case read again (with its history). */
  onCase(msg: CaseUpdateMessage): void {
    const s = this.state;
    ({ cases: s.cases, total: s.total } = mergeCaseUpdate(s.cases, s.total, msg, s.filter));
    this.panels.list.render(s);
    if (msg.caseId === s.selectedId) void this.reloadDetail(msg.caseId);
  }

  async select(id: string): Promise<void> {
    const s = this.state;
    s.selectedId = id;
    s.notice = null;
    const r = await jsonCall<CaseDetailResponse>('GET', `/api/cases/${encodeURIComponent(id)}`);
    s.detail = r.ok ? r.value : null;
    if (!r.ok) s.notice = { ok: false, text: ct('error', { reason: r.error }) };
    this.panels.list.render(s);
    this.panels.detail.render(s);
  }

  async run(body: CommandBody): Promise<void> {
    const s = this.state;
    if (!s.selectedId) return;
    const id = s.selectedId;
    const r = await jsonCall<CaseCommandResponse>('POST', `/api/cases/${encodeURIComponent(id)}/commands`, body);
    await this.loadList();
    await this.select(id);
    s.notice = r.ok
      ? {
          ok: true,
          text: ct('done', {
            what: formatList(
              r.value.happened.map((w) => wordOf(`what.${w.replace(/^case_/, '')}`, w)),
              getLanguage(),
            ),
          }),
        }
      : {
          ok: false,
          text: ct('refused', {
            reason: refusalText(
              typeof r.details?.code === 'string' ? r.details.code : undefined,
              (r.details?.params as Record<string, unknown> | undefined) ?? undefined,
              r.error,
            ),
          }),
        };
    this.panels.detail.render(s);
  }

  private async reloadDetail(id: string): Promise<void> {
    const s = this.state;
    const r = await jsonCall<CaseDetailResponse>('GET', `/api/cases/${encodeURIComponent(id)}`);
    if (s.selectedId !== id) return;
    s.detail = r.ok ? r.value : null;
    if (!r.ok) s.notice = { ok: false, text: ct('error', { reason: r.error }) };
    this.panels.detail.render(s);
  }
}
