/**
 * The vocabulary as data (contracts.md, "Devices as they come (v1.1)"): the v1 sensor kinds
 * and metrics, plus the kinds a city declares — in its package's `vocabulary.json`, in a
 * sensor's `meta` (`"metrics": {"<metric>": "<SenML unit>"}`), or through the admin API.
 *
 * Rules for a declaration (checked by {@link Vocabulary.check}, every problem listed):
 * - kind and metric names are `[a-z][a-z0-9_]*` (kinds up to 40 characters, metrics 63);
 * - units are SenML units (RFC 8428 §12.1, RFC 8798) — `Cel`, `m`, `Pa`, `%RH` …;
 * - the v1 names keep their meaning: a v1 kind cannot be declared again with other metrics,
 *   and a v1 metric keeps its fixed unit;
 * - extend compatibly: a declared kind may gain metrics, never lose them, and a metric keeps
 *   the unit it was first declared with.
 *
 * The object is shared by the ingest (which metrics exist, their units) and the twin (a kind's
 * headline metric). Declared kinds have no alarm rules unless a city brings some: their
 * sensors show values and go stale, they never alarm.
 */
import type { DeclaredSensorKind } from './city/city-types.ts';
import { isSenmlUnit } from './senml-units.ts';
import { KIND_LABELS, KIND_METRICS, METRIC_LABELS, METRIC_UNITS, SENSOR_KINDS } from './vocabulary.ts';

/** Names of declared kinds. */
export const KIND_NAME_PATTERN = /^[a-z][a-z0-9_]{0,39}$/;
/** Names of declared metrics. */
export const METRIC_NAME_PATTERN = /^[a-z][a-z0-9_]{0,62}$/;
/** Most metrics one kind may declare. */
export const MAX_KIND_METRICS = 32;
/** Most declared kinds (the live stream's kind slots, the legend: bounded). */
export const MAX_DECLARED_KINDS = 200;

/** Where a kind or metric comes from. */
export type VocabularyOrigin = 'v1' | 'package' | 'meta' | 'admin';

export interface Label {
  zh: string;
  en: string;
}

export interface KindDefinition {
  kind: string;
  label: Label;
  /** Its metrics; the first one is the headline drawn on the map. */
  metrics: readonly string[];
  origin: VocabularyOrigin;
}

export interface MetricDefinition {
  metric: string;
  /** The metric's fixed unit (a SenML unit for declared metrics). */
  unit: string;
  label: Label;
  origin: VocabularyOrigin;
}

/** A kind as declared: by a package (with its labels), an administrator, or a sensor's meta (no labels). */
export interface KindDeclaration {
  kind: string;
  label?: Label;
  /** Metric name → SenML unit; the first metric is the headline. */
  metrics: Record<string, string>;
}

export type DeclareResult = { ok: true; changed: boolean } | { ok: false; problems: string[] };

const quote = (s: string) => JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s);

export class Vocabulary {
  private readonly kindsByName = new Map<string, KindDefinition>();
  private readonly metricsByName = new Map<string, MetricDefinition>();
  private readonly listeners = new Set<(kind: KindDefinition, by: VocabularyOrigin) => void>();
  private readonly changeListeners = new Set<() => void>();
  private declaredCount = 0;

  constructor() {
    for (const kind of SENSOR_KINDS) {
      this.kindsByName.set(kind, { kind, label: KIND_LABELS[kind], metrics: KIND_METRICS[kind], origin: 'v1' });
    }
    for (const [metric, unit] of Object.entries(METRIC_UNITS)) {
      this.metricsByName.set(metric, { metric, unit, label: METRIC_LABELS[metric as keyof typeof METRIC_LABELS], origin: 'v1' });
    }
  }

  /** A vocabulary with the v1 names and the kinds a city declares. Throws on a bad declaration (a checked package has none). */
  static of(declared: readonly KindDeclaration[] = [], origin: VocabularyOrigin = 'package'): Vocabulary {
    const v = new Vocabulary();
    for (const d of declared) {
      const r = v.declare(d, origin);
      if (!r.ok) throw new Error(`vocabulary: kind ${quote(d.kind)}: ${r.problems.join('; ')}`);
    }
    return v;
  }

  kind(name: string): KindDefinition | undefined {
    return this.kindsByName.get(name);
  }

  metric(name: string): MetricDefinition | undefined {
    return this.metricsByName.get(name);
  }

  isKind(name: string): boolean {
    return this.kindsByName.has(name);
  }

  /** The metrics of a kind (first = headline), or undefined for a kind nobody declared. */
  kindMetrics(kind: string): readonly string[] | undefined {
    return this.kindsByName.get(kind)?.metrics;
  }

  /** The fixed unit of a metric, or undefined. */
  unitOf(metric: string): string | undefined {
    return this.metricsByName.get(metric)?.unit;
  }

  /** Every kind: the v1 kinds in their order, then the declared ones in declaration order. */
  kinds(): KindDefinition[] {
    return [...this.kindsByName.values()];
  }

  metrics(): MetricDefinition[] {
    return [...this.metricsByName.values()];
  }

  /** Called after each declaration that changed something, with where that declaration came from (to persist it). */
  onDeclared(listener: (kind: KindDefinition, by: VocabularyOrigin) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called after anything changed: a kind declared, extended, relabelled or removed (the console reloads its labels). */
  onChanged(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  private changed(): void {
    for (const l of this.changeListeners) l();
  }

  /** Every problem of a declaration against this vocabulary; empty = it may be declared. */
  check(d: KindDeclaration): string[] {
    const problems: string[] = [];
    if (typeof d.kind !== 'string' || !KIND_NAME_PATTERN.test(d.kind)) {
      problems.push(`kind ${quote(String(d.kind))} is not a kind name ([a-z][a-z0-9_]*, up to 40 characters)`);
    }
    const entries = d.metrics && typeof d.metrics === 'object' ? Object.entries(d.metrics) : [];
    if (entries.length === 0) problems.push('metrics must name at least one metric with its SenML unit, e.g. {"noise_dba": "dB"}');
    if (entries.length > MAX_KIND_METRICS) problems.push(`${entries.length} metrics; at most ${MAX_KIND_METRICS}`);
    for (const [metric, unit] of entries) {
      if (!METRIC_NAME_PATTERN.test(metric)) {
        problems.push(`metric ${quote(metric)} is not a metric name ([a-z][a-z0-9_]*, up to 63 characters)`);
        continue;
      }
      const known = this.metricsByName.get(metric);
      if (known) {
        if (known.unit !== unit)
          problems.push(
            `metric ${quote(metric)} has the unit "${known.unit}" (${known.origin === 'v1' ? 'v1 vocabulary' : 'declared'}), not ${quote(String(unit))}`,
          );
      } else if (typeof unit !== 'string' || !isSenmlUnit(unit)) {
        problems.push(
          `metric ${quote(metric)}: unit ${quote(String(unit))} is not a SenML unit (RFC 8428 §12.1: Cel, m, Pa, %RH, A, V, dB …)`,
        );
      }
    }
    const existing = this.kindsByName.get(d.kind);
    if (existing) {
      const names = entries.map(([m]) => m);
      if (existing.origin === 'v1') {
        if (names.join(',') !== existing.metrics.join(','))
          problems.push(`kind ${quote(d.kind)} is a v1 kind; its metrics are fixed (${existing.metrics.join(', ')})`);
      } else {
        const dropped = existing.metrics.filter((m) => !names.includes(m));
        if (dropped.length)
          problems.push(`kind ${quote(d.kind)} is declared with ${dropped.join(', ')}; a kind may gain metrics, never lose them`);
      }
    } else if (this.declaredCount >= MAX_DECLARED_KINDS) {
      problems.push(`${MAX_DECLARED_KINDS} kinds are declared already; no more can be`);
    }
    if (
      d.label !== undefined &&
      (typeof d.label?.zh !== 'string' || typeof d.label?.en !== 'string' || d.label.zh.length > 64 || d.label.en.length > 64)
    )
      problems.push('label must be {"zh": …, "en": …}, each up to 64 characters');
    return problems;
  }

  /**
   * Declares a kind (or extends a declared one with new metrics, or relabels it). A
   * declaration that repeats what is known changes nothing (`changed: false`): a retained meta
   * message arrives again at every subscription.
   */
  declare(d: KindDeclaration, origin: VocabularyOrigin): DeclareResult {
    const problems = this.check(d);
    if (problems.length) return { ok: false, problems };
    const existing = this.kindsByName.get(d.kind);
    let changed = false;
    for (const [metric, unit] of Object.entries(d.metrics)) {
      if (this.metricsByName.has(metric)) continue;
      this.metricsByName.set(metric, { metric, unit, label: { zh: metric, en: metric }, origin });
      changed = true;
    }
    const metrics = existing ? [...existing.metrics] : [];
    for (const m of Object.keys(d.metrics)) if (!metrics.includes(m)) metrics.push(m);
    // Meta carries no labels: it never overwrites the labels a package or an administrator gave.
    const label = d.label && origin !== 'meta' ? d.label : (existing?.label ?? d.label ?? { zh: d.kind, en: d.kind });
    if (!existing) this.declaredCount++;
    if (!existing || existing.metrics.length !== metrics.length || existing.label.zh !== label.zh || existing.label.en !== label.en) {
      changed = true;
    }
    if (existing?.origin === 'v1') return { ok: true, changed: false };
    const def: KindDefinition = { kind: d.kind, label, metrics, origin: existing?.origin ?? origin };
    this.kindsByName.set(d.kind, def);
    if (changed) {
      for (const l of this.listeners) l(def, origin);
      this.changed();
    }
    return { ok: true, changed };
  }

  /**
   * Puts a city's declared kinds in force while running (a vocabulary.json imported at run
   * time): each is declared, the package's kinds it no longer lists are removed, and a package
   * kind it lists with fewer metrics or another unit is declared again from scratch (a restart on the new file
   * would build it so). Kinds declared by meta or an administrator stay. Metrics no kind names
   * any more are forgotten. Listeners hear of every kind declared or changed. Returns the names
   * of the kinds removed; throws on a bad declaration (a checked package has none).
   */
  replaceDeclared(declared: readonly KindDeclaration[], origin: VocabularyOrigin = 'package'): string[] {
    const listed = new Set(declared.map((d) => d.kind));
    const removed: string[] = [];
    for (const k of [...this.kindsByName.values()]) {
      if (k.origin !== origin) continue;
      const next = declared.find((d) => d.kind === k.kind);
      if (next && k.metrics.every((m) => m in next.metrics && next.metrics[m] === this.unitOf(m))) continue;
      this.kindsByName.delete(k.kind);
      this.declaredCount--;
      if (!listed.has(k.kind)) removed.push(k.kind);
    }
    // Metrics no remaining kind names are forgotten, so that the new file may give them another unit.
    const named = new Set([...this.kindsByName.values()].flatMap((k) => k.metrics));
    for (const m of [...this.metricsByName.values()]) if (m.origin !== 'v1' && !named.has(m.metric)) this.metricsByName.delete(m.metric);
    for (const d of declared) {
      const r = this.declare(d, origin);
      if (!r.ok) throw new Error(`vocabulary: kind ${quote(d.kind)}: ${r.problems.join('; ')}`);
    }
    if (removed.length) this.changed();
    return removed;
  }

  /** The declaration of a kind, as vocabulary.json and the admin API write it. */
  declarationOf(kind: string): DeclaredSensorKind | undefined {
    const k = this.kindsByName.get(kind);
    if (!k) return undefined;
    return { kind: k.kind, label: k.label, metrics: Object.fromEntries(k.metrics.map((m) => [m, this.unitOf(m) ?? ''])) };
  }
}
