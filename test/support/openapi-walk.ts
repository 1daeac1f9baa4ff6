/**
 * Requests made from an OpenAPI document's operations: each path parameter filled with every
 * value the caller gives, required query parameters filled, `limit` at its maximum, and one
 * request more for each value of a small enum (the clearance walk sends them all).
 */

export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  schema: { enum?: unknown[]; maximum?: number; type?: string };
}
export interface Walked {
  method: string;
  route: string;
  url: string;
  body?: unknown;
}

/** Where the values come from: a required query parameter (null: unknown) and a path parameter's values. */
export interface ParameterValues {
  query(name: string, path: Record<string, string>): string | null;
  path(name: string, p: OpenApiParameter): string[];
  /** More values of a query parameter, each sent in a request of its own (e.g. search words). */
  variants?(name: string): string[];
}

/** The requests of one operation. */
export function expandOperation(route: string, method: string, parameters: OpenApiParameter[], fill: ParameterValues): Walked[] {
  let paths: Array<Record<string, string>> = [{}];
  for (const p of parameters.filter((x) => x.in === 'path'))
    paths = paths.flatMap((vals) => fill.path(p.name, p).map((v) => ({ ...vals, [p.name]: v })));
  const out: Walked[] = [];
  for (const vals of paths) {
    const path = route.replace(/\{(\w+)\}/g, (_, n: string) => encodeURIComponent(vals[n]!));
    const base = new URLSearchParams();
    const variants: Array<[string, string]> = [];
    for (const p of parameters.filter((x) => x.in === 'query')) {
      for (const v of fill.variants?.(p.name) ?? []) variants.push([p.name, v]);
      if (p.required) {
        const v = fill.query(p.name, vals);
        if (v === null)
          throw new Error(
            `the walk does not know how to fill the required query parameter "${p.name}" of ${method} ${route}: add it to requiredQuery`,
          );
        base.set(p.name, v);
      } else if (p.name === 'limit' && p.schema.maximum !== undefined) base.set('limit', String(p.schema.maximum));
      else if (p.schema.enum && p.schema.enum.length <= 3) for (const v of p.schema.enum) variants.push([p.name, String(v)]);
    }
    const url = (q: URLSearchParams) => (q.size ? `${path}?${q}` : path);
    const body = method === 'GET' || method === 'DELETE' ? undefined : {};
    out.push({ method, route, url: url(base), body });
    for (const [k, v] of variants) {
      const q = new URLSearchParams(base);
      q.set(k, v);
      out.push({ method, route, url: url(q), body });
    }
  }
  return out;
}
