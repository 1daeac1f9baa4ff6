/**
 * A structural diff of two JSON documents (rule sets), for the admin page: every path that was
 * added, removed or changed, with the old and the new value. Objects are compared key by key;
 * arrays whose items all carry a string `id` (an incident rule's signals) item by item by id;
 * other arrays (a list of sensor kinds) as one value.
 */

export interface RuleChange {
  /** `kinds.water_level.rules.rise.delta`; keys that are not plain names are quoted: `sensors["wl.1"]`. */
  path: string;
  /** The same path as its keys, for a program. */
  keys: string[];
  change: 'added' | 'removed' | 'changed';
  /** The value before (absent when added). */
  old?: unknown;
  /** The value after (absent when removed). */
  new?: unknown;
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

function pathOf(keys: readonly string[]): string {
  let out = '';
  for (const k of keys) out += PLAIN_KEY.test(k) ? (out ? `.${k}` : k) : `[${JSON.stringify(k)}]`;
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function byId(v: unknown): Map<string, unknown> | null {
  if (!Array.isArray(v) || v.length === 0) return null;
  const out = new Map<string, unknown>();
  for (const item of v) {
    if (!isObject(item) || typeof item.id !== 'string' || out.has(item.id)) return null;
    out.set(item.id, item);
  }
  return out;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function walk(a: unknown, b: unknown, keys: string[], out: RuleChange[]): void {
  if (isObject(a) && isObject(b)) {
    for (const k of Object.keys(a)) {
      if (!(k in b)) out.push({ path: pathOf([...keys, k]), keys: [...keys, k], change: 'removed', old: a[k] });
      else walk(a[k], b[k], [...keys, k], out);
    }
    for (const k of Object.keys(b)) if (!(k in a)) out.push({ path: pathOf([...keys, k]), keys: [...keys, k], change: 'added', new: b[k] });
    return;
  }
  const ia = byId(a);
  const ib = byId(b);
  if (ia && ib) {
    for (const [id, item] of ia) {
      const at = [...keys, id];
      if (!ib.has(id)) out.push({ path: pathOf(at), keys: at, change: 'removed', old: item });
      else walk(item, ib.get(id), at, out);
    }
    for (const [id, item] of ib)
      if (!ia.has(id)) out.push({ path: pathOf([...keys, id]), keys: [...keys, id], change: 'added', new: item });
    return;
  }
  if (!sameJson(a, b)) out.push({ path: pathOf(keys), keys, change: 'changed', old: a, new: b });
}

/** What changed from `before` to `after`, in document order (removals of a key before additions). */
export function diffRuleSets(before: unknown, after: unknown): RuleChange[] {
  const out: RuleChange[] = [];
  walk(before, after, [], out);
  return out;
}

/** One line per change: `kinds.water_level.rules.water_level_cm.alarm.enter: 30 → 35`. */
export function formatRuleChange(c: RuleChange): string {
  const show = (v: unknown) => JSON.stringify(v);
  if (c.change === 'added') return `${c.path || '(root)'}: added ${show(c.new)}`;
  if (c.change === 'removed') return `${c.path || '(root)'}: removed (was ${show(c.old)})`;
  return `${c.path || '(root)'}: ${show(c.old)} → ${show(c.new)}`;
}
