/** Where an incident is, in words (the queue's rows and the incident detail). */
import type { IncidentView } from '../../shared/protocol.ts';

/**
 * Where an incident is, for a person: its district's and its asset's names ("汉阳区 · 汉阳区下穿通道
 * 04"), the codes only while the names are unknown, else its coordinates.
 */
export function incidentPlace(
  i: Pick<IncidentView, 'district' | 'assetId' | 'lng' | 'lat'>,
  districtName: (code: string | null) => string | null,
  assetName: (id: string | null) => string | null,
): string {
  const district = districtName(i.district) ?? i.district ?? '';
  const asset = i.assetId ? (assetName(i.assetId) ?? i.assetId) : '';
  return [district, asset].filter(Boolean).join(' · ') || `${i.lng.toFixed(3)}, ${i.lat.toFixed(3)}`;
}

/**
 * A report's or warning's reference, for a person: the source's name in the page's language and
 * when the evidence was seen — "外勤人员 · 22:38:28", not `field-staff:walk-10`. A source the city
 * does not register is named by its family (`family`, from the report's event type), never by its
 * raw id; the raw reference is the `title` (a tooltip) only.
 */
export function evidenceReference(
  e: Pick<IncidentView['evidence'][number], 'id' | 'source' | 'ts' | 'eventType'>,
  sourceName: (id: string) => string | null,
  clock: (epochMs: number) => string,
  family: (eventType: string | undefined) => string,
): { text: string; title: string } {
  const source = e.source ?? /^event:([^:]+):/.exec(e.id)?.[1] ?? null;
  const name = source ? (sourceName(source) ?? family(e.eventType)) : null;
  return { text: [name, Number.isFinite(e.ts) ? clock(e.ts) : null].filter(Boolean).join(' · '), title: e.id };
}

/**
 * The sources' names by every name their reports arrive under: the id and each `eventSources`
 * alias. `GET /api/sources` also lists the sources the city does not register (`registered:
 * false`, seen only in the ingest's counts) under their raw id as their name: those are left out,
 * so that their reports are worded by their family, and an alias of a registered source is never
 * shadowed by one.
 */
export function sourceNamesByEventName(
  sources: ReadonlyArray<{ id: string; nameZh: string; nameEn: string; eventSources?: readonly string[]; registered?: boolean }>,
): Map<string, { zh: string; en: string }> {
  const names = new Map<string, { zh: string; en: string }>();
  for (const s of sources) {
    if (s.registered === false) continue;
    const name = { zh: s.nameZh, en: s.nameEn };
    names.set(s.id, name);
    for (const alias of s.eventSources ?? []) if (!names.has(alias)) names.set(alias, name);
  }
  return names;
}
