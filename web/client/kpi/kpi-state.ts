/** The KPI screen's ONE state object: the newest summary, the hotline case KPI, and how fresh they are. */
import type { CityInfo } from '../../shared/protocol.ts';
import type { CaseKpiResponse } from '../../shared/case-protocol.ts';
import type { KpiSummary } from '../../shared/kpi-protocol.ts';
import type { KpiLayout, KpiWall } from './kpi-layout.ts';

export interface KpiState {
  readonly city: CityInfo | null;
  readonly layout: KpiLayout;
  /** The wall this screen is part of (1 × 1: a screen of its own). */
  readonly wall: KpiWall;
  summary: KpiSummary | null;
  /** The summary of the previous period (the same moment a week earlier), for the trends; null until read. */
  previous: KpiSummary | null;
  /** When the newest summary arrived, by this browser's clock. */
  receivedAt: number | null;
  /** Why the last read of the summary failed, or null. */
  loadError: string | null;
  /** The server refused the summary to this account (403): the screen is not its to see. */
  forbidden: boolean;
  /** Summaries read so far. */
  refreshes: number;
  /** The hotline case KPI, or null before the first answer. */
  caseKpi: CaseKpiResponse | null;
}

export function createKpiState(city: CityInfo | null, layout: KpiLayout, wall: KpiWall): KpiState {
  return {
    city,
    layout,
    wall,
    summary: null,
    previous: null,
    receivedAt: null,
    loadError: null,
    forbidden: false,
    refreshes: 0,
    caseKpi: null,
  };
}

/** A district's name in the page's language from the summary, else its code. */
export function districtName(state: KpiState, code: string, lang: 'zh' | 'en'): string {
  const all = [...(state.summary?.openIncidents.byDistrict ?? []), ...(state.summary?.serviceHalls.byDistrict ?? [])];
  const d = all.find((x) => x.district === code);
  return d ? (lang === 'en' ? d.nameEn : d.nameZh) : code;
}
