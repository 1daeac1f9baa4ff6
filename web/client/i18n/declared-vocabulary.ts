/**
 * The kinds and metrics the city declares beyond the v1 vocabulary (GET /api/vocabulary), for
 * labels and units. Filled once after sign-in; until then (or when the request fails) declared
 * names are shown as they are.
 */
export interface DeclaredTerm {
  label: { zh: string; en: string };
}

const kinds = new Map<string, DeclaredTerm & { metrics: readonly string[] }>();
const metrics = new Map<string, DeclaredTerm & { unit: string }>();

/** Takes the `sensorKinds` and `metrics` of a vocabulary document (entries of origin v1 are skipped: the console knows them). */
export function setDeclaredVocabulary(doc: unknown): void {
  if (typeof doc !== 'object' || doc === null) return;
  const d = doc as { sensorKinds?: unknown; metrics?: unknown };
  // The document is the whole vocabulary: kinds it no longer lists (an import removed them) go.
  if (Array.isArray(d.sensorKinds)) kinds.clear();
  if (Array.isArray(d.metrics)) metrics.clear();
  if (Array.isArray(d.sensorKinds)) {
    for (const k of d.sensorKinds as Array<Record<string, unknown>>) {
      if (k.origin === 'v1' || typeof k.kind !== 'string' || !isLabel(k.label) || !Array.isArray(k.metrics)) continue;
      kinds.set(k.kind, { label: k.label, metrics: (k.metrics as unknown[]).filter((m): m is string => typeof m === 'string') });
    }
  }
  if (Array.isArray(d.metrics)) {
    for (const m of d.metrics as Array<Record<string, unknown>>) {
      if (m.origin === 'v1' || typeof m.metric !== 'string' || typeof m.unit !== 'string' || !isLabel(m.label)) continue;
      metrics.set(m.metric, { label: m.label, unit: m.unit });
    }
  }
}

function isLabel(v: unknown): v is { zh: string; en: string } {
  return (
    typeof v === 'object' && v !== null && typeof (v as { zh?: unknown }).zh === 'string' && typeof (v as { en?: unknown }).en === 'string'
  );
}

export function declaredKind(kind: string): (DeclaredTerm & { metrics: readonly string[] }) | undefined {
  return kinds.get(kind);
}

export function declaredMetric(metric: string): (DeclaredTerm & { unit: string }) | undefined {
  return metrics.get(metric);
}
