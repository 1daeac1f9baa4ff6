/**
 * CAP 1.2 XML in (the document out is written by cap-xml-writer.ts).
 *
 * `parseCapXml(xml)` reads a document with fast-xml-parser and returns the typed alert, or
 * every problem found: the XML's own (well-formedness, root, namespace, repeated elements),
 * the forms of coordinates, circles and references, and then every rule of `validateCapAlert`.
 * Elements out of the schema's order and unknown elements are warnings: read anyway, reported.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import {
  CAP_NAMESPACE,
  type CapAlert,
  type CapArea,
  type CapCircle,
  type CapInfo,
  type CapPoint,
  type CapReference,
  type CapResource,
  type CapValuePair,
} from './cap-types.ts';
import { problemValue, validateCapAlert, type CapProblem, type CapProblemCode } from './cap-validate.ts';

/** Largest document `parseCapXml` reads (characters); embedded resources (`derefUri`) count. */
export const CAP_MAX_XML_CHARS = 2_000_000;

/**
 * Most tags (`<` characters: start, end, comments) `parseCapXml` reads: a county-wide warning
 * with hundreds of geocodes has a few thousand; parsing costs about 10 µs a tag.
 */
export const CAP_MAX_XML_TAGS = 20_000;

/** Deepest nesting read: CAP's deepest element (alert/info/area/geocode/value) is at depth 5. */
const CAP_MAX_DEPTH = 16;

/** XML digital signatures may follow the CAP elements of an alert (§3.3.4.1). */
const XMLDSIG_NAMESPACE = 'http://www.w3.org/2000/09/xmldsig#';

// ---------------------------------------------------------------------------------------------
// The schema's sequences (CAP-v1.2.xsd): element name and whether it may repeat.

type Sequence = ReadonlyArray<readonly [name: string, repeats: boolean]>;

const ALERT_SEQUENCE: Sequence = [
  ['identifier', false],
  ['sender', false],
  ['sent', false],
  ['status', false],
  ['msgType', false],
  ['source', false],
  ['scope', false],
  ['restriction', false],
  ['addresses', false],
  ['code', true],
  ['note', false],
  ['references', false],
  ['incidents', false],
  ['info', true],
];

const INFO_SEQUENCE: Sequence = [
  ['language', false],
  ['category', true],
  ['event', false],
  ['responseType', true],
  ['urgency', false],
  ['severity', false],
  ['certainty', false],
  ['audience', false],
  ['eventCode', true],
  ['effective', false],
  ['onset', false],
  ['expires', false],
  ['senderName', false],
  ['headline', false],
  ['description', false],
  ['instruction', false],
  ['web', false],
  ['contact', false],
  ['parameter', true],
  ['resource', true],
  ['area', true],
];

const RESOURCE_SEQUENCE: Sequence = [
  ['resourceDesc', false],
  ['mimeType', false],
  ['size', false],
  ['uri', false],
  ['derefUri', false],
  ['digest', false],
];

const AREA_SEQUENCE: Sequence = [
  ['areaDesc', false],
  ['polygon', true],
  ['circle', true],
  ['geocode', true],
  ['altitude', false],
  ['ceiling', false],
];

const PAIR_SEQUENCE: Sequence = [
  ['valueName', false],
  ['value', false],
];

// ---------------------------------------------------------------------------------------------
// Parsing

/** An element as read: local name, namespace, attributes, child elements and its own text. */
interface XmlElement {
  name: string;
  /** Prefix as written (`''` when none). */
  prefix: string;
  /** Namespace URI the prefix resolves to in scope (`''` when none). */
  ns: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

type Ordered = Record<string, unknown>;

const PREDEFINED_ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const REFERENCE = /&(?:(lt|gt|amp|quot|apos)|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6}));/g;

/** True for a code point XML 1.0 allows (§2.2 Char). */
function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

/**
 * Where the document uses a reference XML 1.0 does not define without a DTD (`&nbsp;`), an
 * `&` that starts none, or a character reference to a character XML cannot carry; null when
 * all are sound. Comments and CDATA sections are skipped: their `&` is literal.
 */
function referenceProblem(xml: string): { at: number; ref: string } | null {
  const blanked = xml.replace(/<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>/g, (m) => ' '.repeat(m.length));
  for (let i = blanked.indexOf('&'); i >= 0; i = blanked.indexOf('&', i + 1)) {
    REFERENCE.lastIndex = i;
    const m = REFERENCE.exec(blanked);
    const sound = m !== null && m.index === i && (m[1] !== undefined || isXmlChar(Number.parseInt(m[2] ?? m[3]!, m[2] ? 10 : 16)));
    if (!sound) return { at: i, ref: /^&[^\s<&;]{0,12};?/.exec(blanked.slice(i))![0] };
  }
  return null;
}

/** Decodes the predefined entities and character references (all checked by `referenceProblem`). */
function decodeReferences(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(REFERENCE, (_m, name: string | undefined, dec: string | undefined, hex: string | undefined) =>
    name ? PREDEFINED_ENTITIES[name]! : String.fromCodePoint(Number.parseInt(dec ?? hex!, dec ? 10 : 16)),
  );
}

/** Turns fast-xml-parser's ordered output into elements, resolving namespace prefixes in scope. */
function toElements(items: unknown, scope: ReadonlyMap<string, string> = new Map()): { elements: XmlElement[]; text: string } {
  const elements: XmlElement[] = [];
  const texts: string[] = [];
  if (!Array.isArray(items)) return { elements, text: '' };
  for (const item of items as Ordered[]) {
    const attrs = Object.fromEntries(
      Object.entries((item[':@'] as Record<string, string> | undefined) ?? {}).map(([k, v]) => [k, decodeReferences(String(v))]),
    );
    for (const [key, value] of Object.entries(item)) {
      if (key === ':@') continue;
      if (key === '#text') {
        texts.push(decodeReferences(String(value)));
        continue;
      }
      if (key === '#cdata') {
        // CDATA is literal text: no references to decode.
        for (const part of Array.isArray(value) ? (value as Ordered[]) : []) {
          if (part['#text'] !== undefined) texts.push(String(part['#text']));
        }
        continue;
      }
      let inner = scope;
      for (const [attr, uri] of Object.entries(attrs)) {
        if (attr === 'xmlns' || attr.startsWith('xmlns:')) {
          if (inner === scope) inner = new Map(scope);
          (inner as Map<string, string>).set(attr === 'xmlns' ? '' : attr.slice(6), uri);
        }
      }
      const colon = key.indexOf(':');
      const prefix = colon >= 0 ? key.slice(0, colon) : '';
      const content = toElements(value, inner);
      elements.push({
        name: colon >= 0 ? key.slice(colon + 1) : key,
        prefix,
        ns: inner.get(prefix) ?? '',
        attrs,
        children: content.elements,
        text: content.text,
      });
    }
  }
  return { elements, text: texts.join(' ') };
}

class Reader {
  readonly problems: CapProblem[] = [];

  add(level: 'error' | 'warning', code: CapProblemCode, path: string, value: string | null, allowed: string): void {
    this.problems.push({ level, code, path, value: value === null ? null : problemValue(value), allowed });
  }

  /**
   * The CAP children of `el` grouped by name, after checking them against `sequence`: unknown
   * elements and elements out of order are warnings, a repeated single element an error.
   */
  group(el: XmlElement, path: string, sequence: Sequence): Map<string, XmlElement[]> {
    const order = new Map(sequence.map(([name], i) => [name, i]));
    const groups = new Map<string, XmlElement[]>();
    let last = -1;
    let lastName = '';
    for (const child of el.children) {
      if (child.ns !== CAP_NAMESPACE) {
        // An XML signature may close the alert (§3.3.4.1); other foreign elements are reported.
        if (!(path === 'alert' && child.ns === XMLDSIG_NAMESPACE)) {
          this.add(
            'warning',
            'unknown_element',
            `${path}/${child.name}`,
            child.ns || null,
            `an element of the CAP 1.2 namespace ${CAP_NAMESPACE}`,
          );
        }
        continue;
      }
      const at = order.get(child.name);
      const list = groups.get(child.name) ?? [];
      const childPath = `${path}/${child.name}${at !== undefined && sequence[at]?.[1] ? `[${list.length}]` : ''}`;
      if (at === undefined) {
        this.add(
          'warning',
          'unknown_element',
          childPath,
          null,
          `the elements of <${path.split('/').pop()}>: ${sequence.map(([n]) => n).join(', ')}`,
        );
        continue;
      }
      if (at < last) {
        this.add(
          'warning',
          'element_order',
          childPath,
          null,
          `<${child.name}> before <${lastName}>: the schema's order is ${sequence.map(([n]) => n).join(', ')}`,
        );
      } else {
        last = at;
        lastName = child.name;
      }
      if (!sequence[at]![1] && list.length > 0) {
        this.add('error', 'repeated', `${childPath}`, child.text, `<${child.name}> at most once`);
        continue;
      }
      list.push(child);
      groups.set(child.name, list);
    }
    return groups;
  }

  /** Text of the single element `name` (undefined when absent). */
  text(groups: Map<string, XmlElement[]>, name: string, path: string): string | undefined {
    const el = groups.get(name)?.[0];
    return el === undefined ? undefined : this.textOf(el, `${path}/${name}`);
  }

  textOf(el: XmlElement, path: string): string {
    if (el.children.length > 0) this.add('error', 'not_text', path, el.text, `text only: <${el.name}> holds no elements`);
    return el.text;
  }

  texts(groups: Map<string, XmlElement[]>, name: string, path: string): string[] {
    return (groups.get(name) ?? []).map((el, i) => this.textOf(el, `${path}/${name}[${i}]`));
  }

  pairs(groups: Map<string, XmlElement[]>, name: string, path: string): CapValuePair[] {
    return (groups.get(name) ?? []).map((el, i) => {
      const p = `${path}/${name}[${i}]`;
      const g = this.group(el, p, PAIR_SEQUENCE);
      return { valueName: this.text(g, 'valueName', p) ?? '', value: this.text(g, 'value', p) ?? '' };
    });
  }

  number(groups: Map<string, XmlElement[]>, name: string, path: string, allowed: string, integer = false): number | undefined {
    const text = this.text(groups, name, path);
    if (text === undefined) return undefined;
    const n = parseDecimal(text);
    if (n === null || (integer && !Number.isInteger(n))) {
      this.add('error', 'number', `${path}/${name}`, text, allowed);
      return undefined;
    }
    return n;
  }
}

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

function parseDecimal(text: string): number | null {
  return DECIMAL.test(text) ? Number(text) : null;
}

function parsePoint(text: string): CapPoint | null {
  const parts = text.split(',');
  if (parts.length !== 2) return null;
  const lat = parseDecimal(parts[0]!);
  const lon = parseDecimal(parts[1]!);
  return lat === null || lon === null ? null : { lat, lon };
}

/** Splits a whitespace-separated CAP list; entries in double quotes may hold whitespace (§3.2.1 <addresses>). */
export function splitCapList(text: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) out.push(m[1] ?? m[2]!);
  return out;
}

function readPolygon(r: Reader, text: string, path: string): CapPoint[] | null {
  const points: CapPoint[] = [];
  for (const pair of text.split(/\s+/).filter(Boolean)) {
    const p = parsePoint(pair);
    if (!p) {
      r.add(
        'error',
        'coordinate_form',
        path,
        pair,
        'coordinate pairs "latitude,longitude" in decimal degrees (WGS 84), separated by spaces',
      );
      return null;
    }
    points.push(p);
  }
  return points;
}

function readCircle(r: Reader, text: string, path: string): CapCircle | null {
  const parts = text.split(/\s+/).filter(Boolean);
  const centre = parts.length === 2 ? parsePoint(parts[0]!) : null;
  const radius = parts.length === 2 ? parseDecimal(parts[1]!) : null;
  if (!centre || radius === null) {
    r.add('error', 'circle_form', path, text, '"latitude,longitude radius": a WGS 84 point, a space, and the radius in kilometres');
    return null;
  }
  return { lat: centre.lat, lon: centre.lon, radiusKm: radius };
}

function readReferences(r: Reader, text: string | undefined): CapReference[] {
  if (text === undefined) return [];
  const refs: CapReference[] = [];
  for (const entry of text.split(/\s+/).filter(Boolean)) {
    const parts = entry.split(',');
    if (parts.length !== 3 || parts.some((p) => p === '')) {
      r.add(
        'error',
        'reference_form',
        'alert/references',
        entry,
        '"sender,identifier,sent" for each referenced message, separated by whitespace',
      );
      continue;
    }
    refs.push({ sender: parts[0]!, identifier: parts[1]!, sent: parts[2]! });
  }
  return refs;
}

function readArea(r: Reader, el: XmlElement, path: string): CapArea {
  const g = r.group(el, path, AREA_SEQUENCE);
  const polygons: CapPoint[][] = [];
  r.texts(g, 'polygon', path).forEach((t, i) => {
    const ring = readPolygon(r, t, `${path}/polygon[${i}]`);
    if (ring) polygons.push(ring);
  });
  const circles: CapCircle[] = [];
  r.texts(g, 'circle', path).forEach((t, i) => {
    const c = readCircle(r, t, `${path}/circle[${i}]`);
    if (c) circles.push(c);
  });
  const area: CapArea = {
    areaDesc: r.text(g, 'areaDesc', path) ?? '',
    polygons,
    circles,
    geocodes: r.pairs(g, 'geocode', path),
  };
  const altitude = r.number(g, 'altitude', path, 'a number of feet above mean sea level');
  const ceiling = r.number(g, 'ceiling', path, 'a number of feet above mean sea level');
  if (altitude !== undefined) area.altitude = altitude;
  if (ceiling !== undefined) area.ceiling = ceiling;
  return area;
}

function readResource(r: Reader, el: XmlElement, path: string): CapResource {
  const g = r.group(el, path, RESOURCE_SEQUENCE);
  const resource: CapResource = { resourceDesc: r.text(g, 'resourceDesc', path) ?? '', mimeType: r.text(g, 'mimeType', path) ?? '' };
  const size = r.number(g, 'size', path, 'the size of the resource in bytes, a whole number', true);
  if (size !== undefined) resource.size = size;
  for (const key of ['uri', 'derefUri', 'digest'] as const) {
    const v = r.text(g, key, path);
    if (v !== undefined) resource[key] = v;
  }
  return resource;
}

const OPTIONAL_INFO_TEXT = [
  'language',
  'audience',
  'effective',
  'onset',
  'expires',
  'senderName',
  'headline',
  'description',
  'instruction',
  'web',
  'contact',
] as const;

function readInfo(r: Reader, el: XmlElement, path: string): CapInfo {
  const g = r.group(el, path, INFO_SEQUENCE);
  const info = {
    categories: r.texts(g, 'category', path),
    event: r.text(g, 'event', path) ?? '',
    responseTypes: r.texts(g, 'responseType', path),
    urgency: r.text(g, 'urgency', path) ?? '',
    severity: r.text(g, 'severity', path) ?? '',
    certainty: r.text(g, 'certainty', path) ?? '',
    eventCodes: r.pairs(g, 'eventCode', path),
    parameters: r.pairs(g, 'parameter', path),
    resources: (g.get('resource') ?? []).map((x, i) => readResource(r, x, `${path}/resource[${i}]`)),
    areas: (g.get('area') ?? []).map((x, i) => readArea(r, x, `${path}/area[${i}]`)),
  } as CapInfo; // enumerations are checked by validateCapAlert
  for (const key of OPTIONAL_INFO_TEXT) {
    const v = r.text(g, key, path);
    if (v !== undefined) info[key] = v;
  }
  return info;
}

/** The outcome of `parseCapXml`: the alert (with any warnings), or every problem. */
export type CapParseResult = { ok: true; alert: CapAlert; warnings: CapProblem[] } | { ok: false; problems: CapProblem[] };

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  // References are checked before parsing and decoded here (`decodeReferences`), outside CDATA:
  // the parser's own entity processing costs more than half of its time. A DOCTYPE (and with it
  // any declared entity) is refused before parsing.
  processEntities: false,
  cdataPropName: '#cdata',
  ignoreDeclaration: true,
  ignorePiTags: true,
  commentPropName: false,
  maxNestedTags: CAP_MAX_DEPTH,
});

/**
 * Reads a CAP 1.2 document. Returns the typed alert when it breaks no rule (warnings for
 * unknown or out-of-order elements may come with it), or the list of every problem found.
 */
export function parseCapXml(text: string): CapParseResult {
  // A byte order mark is how some senders start UTF-8; it is not part of the document.
  const xml = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const fail = (code: CapProblemCode, path: string, value: string | null, allowed: string): CapParseResult => ({
    ok: false,
    problems: [{ level: 'error', code, path, value: value === null ? null : problemValue(value), allowed }],
  });
  if (xml.length > CAP_MAX_XML_CHARS) {
    return fail('too_large', 'alert', `${xml.length} characters`, `a CAP document of at most ${CAP_MAX_XML_CHARS} characters`);
  }
  let tags = 0;
  for (let i = xml.indexOf('<'); i >= 0; i = xml.indexOf('<', i + 1)) tags++;
  if (tags > CAP_MAX_XML_TAGS) {
    return fail('too_large', 'alert', `${tags} tags`, `a CAP document of at most ${CAP_MAX_XML_TAGS} tags`);
  }
  if (/<!DOCTYPE/i.test(xml)) {
    return fail('xml_doctype', 'alert', '<!DOCTYPE', 'a CAP document without a document type declaration (no DTD, no declared entities)');
  }
  const wellFormed = XMLValidator.validate(xml);
  if (wellFormed !== true) {
    const { line, col, msg } = wellFormed.err;
    return fail('xml_not_well_formed', 'alert', `${line}:${col}: ${msg}`, 'well-formed XML 1.0');
  }
  const badRef = referenceProblem(xml);
  if (badRef) {
    const before = xml.slice(0, badRef.at);
    const line = before.split('\n').length;
    const col = badRef.at - before.lastIndexOf('\n');
    return fail(
      'xml_not_well_formed',
      'alert',
      `${line}:${col}: ${badRef.ref}`,
      'the references XML defines without a DTD: &lt; &gt; &amp; &quot; &apos; and character references to characters XML can carry',
    );
  }
  let tree: unknown;
  try {
    tree = parser.parse(xml);
  } catch (e) {
    // The validator accepts what the parser's limits refuse (nesting deeper than CAP_MAX_DEPTH).
    return fail('xml_not_well_formed', 'alert', (e as Error).message, `XML nested at most ${CAP_MAX_DEPTH} elements deep`);
  }
  const roots = toElements(tree).elements;
  const root = roots[0];
  if (roots.length !== 1 || !root || root.name !== 'alert') {
    return fail('root_element', 'alert', root ? `<${root.prefix ? `${root.prefix}:` : ''}${root.name}>` : null, 'one root element <alert>');
  }
  if (root.ns !== CAP_NAMESPACE) return fail('namespace', 'alert', root.ns || null, `the CAP 1.2 namespace "${CAP_NAMESPACE}"`);

  const r = new Reader();
  const g = r.group(root, 'alert', ALERT_SEQUENCE);
  const addresses = r.text(g, 'addresses', 'alert');
  const incidents = r.text(g, 'incidents', 'alert');
  const alert = {
    identifier: r.text(g, 'identifier', 'alert') ?? '',
    sender: r.text(g, 'sender', 'alert') ?? '',
    sent: r.text(g, 'sent', 'alert'),
    status: r.text(g, 'status', 'alert') ?? '',
    msgType: r.text(g, 'msgType', 'alert') ?? '',
    scope: r.text(g, 'scope', 'alert') ?? '',
    addresses: addresses === undefined ? [] : splitCapList(addresses),
    codes: r.texts(g, 'code', 'alert'),
    references: readReferences(r, r.text(g, 'references', 'alert')),
    incidents: incidents === undefined ? [] : splitCapList(incidents),
    infos: (g.get('info') ?? []).map((el, i) => readInfo(r, el, `alert/info[${i}]`)),
  } as CapAlert; // enumerations and required values are checked by validateCapAlert
  for (const key of ['source', 'restriction', 'note'] as const) {
    const v = r.text(g, key, 'alert');
    if (v !== undefined) alert[key] = v;
  }

  const problems = [...r.problems, ...validateCapAlert(alert)];
  const errors = problems.filter((p) => p.level === 'error');
  if (errors.length > 0) return { ok: false, problems };
  return { ok: true, alert, warnings: problems };
}
