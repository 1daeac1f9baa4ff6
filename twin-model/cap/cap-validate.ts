/**
 * The rules of CAP 1.2 that a typed alert must meet, whether it was parsed from XML or drafted
 * here: required elements, enumerations, the scope's restriction and addresses, references for
 * updates, cancels, acknowledgements and errors, date-time forms (§3.3.2), identifier
 * characters, polygons and circles (§3.2.4). Every problem is reported, each with the element's
 * path, the value as written and what the specification allows.
 */
import { capTimeProblem } from './cap-time.ts';
import { quoteValue } from '../quote-value.ts';
import {
  CAP_CATEGORIES,
  CAP_CERTAINTIES,
  CAP_MSG_TYPES,
  CAP_RESPONSE_TYPES,
  CAP_SCOPES,
  CAP_SEVERITIES,
  CAP_STATUSES,
  CAP_URGENCIES,
  formatCapReference,
  type CapAlert,
  type CapArea,
  type CapInfo,
  type CapPoint,
} from './cap-types.ts';

export const CAP_PROBLEM_CODES = [
  /** The text is not well-formed XML (the value is "line:column: message"). */
  'xml_not_well_formed',
  /** A document type declaration: CAP has none, and entity declarations are refused. */
  'xml_doctype',
  /** The document is larger than CAP_MAX_XML_CHARS. */
  'too_large',
  /** The root element is not `alert`. */
  'root_element',
  /** The root is not in the CAP 1.2 namespace. */
  'namespace',
  /** A required element is missing or empty. */
  'required',
  /** An element that may appear once appears again. */
  'repeated',
  /** A text element holds child elements. */
  'not_text',
  /** A value outside the element's enumeration. */
  'enumeration',
  /** Not a CAP date-time (§3.3.2). */
  'date_time',
  /** An identifier or sender with a space, comma, `<` or `&`. */
  'identifier_chars',
  /** A `references` entry that is not "sender,identifier,sent". */
  'reference_form',
  /** Update, Cancel, Ack and Error must reference earlier messages. */
  'references_required',
  /** Scope Restricted needs `restriction`. */
  'restriction_required',
  /** Scope Private needs `addresses`. */
  'addresses_required',
  /** A polygon or circle point that is not "lat,lon" decimal degrees. */
  'coordinate_form',
  /** Latitude outside −90…90 or longitude outside −180…180. */
  'coordinate_range',
  /** A polygon with fewer than 4 coordinate pairs. */
  'polygon_points',
  /** A polygon whose first and last pairs differ. */
  'polygon_not_closed',
  /** A circle that is not "lat,lon radius_km". */
  'circle_form',
  /** Not a number (size, altitude, ceiling, radius). */
  'number',
  /** `ceiling` without `altitude`. */
  'ceiling_without_altitude',
  /** Not an RFC 3066 language tag. */
  'language_tag',
  /** `web` that is not an absolute URI. */
  'uri',
  /** A character XML 1.0 cannot carry (control characters). */
  'xml_char',
  /** Warning: an element the CAP 1.2 schema does not define here (ignored). */
  'unknown_element',
  /** Warning: an element out of the schema's order (read anyway). */
  'element_order',
] as const;
export type CapProblemCode = (typeof CAP_PROBLEM_CODES)[number];

export interface CapProblem {
  /** An `error` makes the message invalid; a `warning` is read past (unknown element, order). */
  level: 'error' | 'warning';
  code: CapProblemCode;
  /** Element path with 0-based indexes among same-named siblings, e.g. `alert/info[1]/area[0]/polygon[0]`. */
  path: string;
  /** The value as written (at most 120 characters), or null when the element is missing. */
  value: string | null;
  /** What the specification allows here. */
  allowed: string;
}

const MAX_VALUE_CHARS = 120;

/** Shortens a quoted value for a problem report. */
export function problemValue(value: string): string {
  return value.length > MAX_VALUE_CHARS ? `${value.slice(0, MAX_VALUE_CHARS - 1)}…` : value;
}

/** One line: `path: "value" — allowed` (for logs, the CLI and HTTP errors). */
export function formatCapProblem(p: CapProblem): string {
  const value = p.value === null ? 'missing' : quoteValue(p.value);
  return `${p.level === 'warning' ? 'warning: ' : ''}${p.path}: ${value} — ${p.allowed}`;
}

/** Thrown where an invalid alert must not go further (building its XML, drafting it). */
export class CapValidationError extends Error {
  constructor(readonly problems: readonly CapProblem[]) {
    super(`invalid CAP 1.2 alert:\n${problems.map(formatCapProblem).join('\n')}`);
    this.name = 'CapValidationError';
  }
}

// §3.2.1: identifier and sender "MUST NOT include spaces, commas or restricted characters (< and &)".
const IDENTIFIER_FORBIDDEN = /[\s,<&]/;
/** XML 1.0 §2.2 Char: no C0 control characters but tab, LF and CR; no U+FFFE, U+FFFF. */
function hasXmlForbiddenChar(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0xfffe || c === 0xffff) return true;
  }
  return false;
}
// RFC 3066: a primary subtag of 1-8 letters, then subtags of 1-8 letters or digits.
const LANGUAGE_TAG = /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/;

class ProblemList {
  readonly items: CapProblem[] = [];

  error(code: CapProblemCode, path: string, value: string | null, allowed: string): void {
    this.items.push({ level: 'error', code, path, value: value === null ? null : problemValue(value), allowed });
  }

  /** Required text: present and not blank. */
  required(path: string, value: string | undefined, allowed: string): value is string {
    if (value === undefined || value.trim() === '') {
      this.error('required', path, value === undefined || value === '' ? null : value, allowed);
      return false;
    }
    this.chars(path, value);
    return true;
  }

  chars(path: string, value: string | undefined): void {
    if (value !== undefined && hasXmlForbiddenChar(value)) {
      this.error('xml_char', path, value, 'characters XML 1.0 can carry: no control characters but tab, line feed and carriage return');
    }
  }

  oneOf(path: string, value: string | undefined, allowed: readonly string[], required = true): void {
    if (value === undefined || value === '') {
      if (required) this.error('required', path, null, `one of ${allowed.join(', ')}`);
      return;
    }
    if (!allowed.includes(value)) this.error('enumeration', path, value, `one of ${allowed.join(', ')} (case-sensitive)`);
  }

  identifier(path: string, value: string | undefined, what: string): void {
    if (!this.required(path, value, `the ${what}, without spaces, commas, "<" or "&"`)) return;
    if (IDENTIFIER_FORBIDDEN.test(value)) {
      this.error(
        'identifier_chars',
        path,
        value,
        `the ${what} must not include spaces, commas or the restricted characters < and & (CAP 1.2 §3.2.1)`,
      );
    }
  }

  time(path: string, value: string | undefined, required = false): void {
    if (value === undefined) {
      if (required) this.error('required', path, null, 'a CAP date-time such as "2026-07-01T14:05:00+08:00"');
      return;
    }
    const why = capTimeProblem(value);
    if (why) this.error('date_time', path, value, why);
  }
}

function validatePoint(problems: ProblemList, path: string, p: CapPoint): boolean {
  if (!Number.isFinite(p.lat) || !Number.isFinite(p.lon) || Math.abs(p.lat) > 90 || Math.abs(p.lon) > 180) {
    problems.error(
      'coordinate_range',
      path,
      `${p.lat},${p.lon}`,
      'WGS 84 "latitude,longitude" (latitude first) with latitude in -90…90 and longitude in -180…180',
    );
    return false;
  }
  return true;
}

function validateArea(problems: ProblemList, path: string, area: CapArea): void {
  problems.required(`${path}/areaDesc`, area.areaDesc, 'a text description of the affected area');
  area.polygons.forEach((ring, i) => {
    const p = `${path}/polygon[${i}]`;
    const written = ring.map((pt) => `${pt.lat},${pt.lon}`).join(' ');
    if (ring.length < 4) {
      problems.error('polygon_points', p, written, 'at least 4 coordinate pairs "lat,lon", the first and last the same (CAP 1.2 §3.2.4)');
    }
    if (!ring.every((pt) => validatePoint(problems, p, pt))) return;
    const first = ring[0];
    const last = ring[ring.length - 1];
    if (first && last && (first.lat !== last.lat || first.lon !== last.lon)) {
      problems.error(
        'polygon_not_closed',
        p,
        written,
        'a closed ring: the first and last coordinate pairs MUST be the same (CAP 1.2 §3.2.4)',
      );
    }
  });
  area.circles.forEach((c, i) => {
    const p = `${path}/circle[${i}]`;
    validatePoint(problems, p, { lat: c.lat, lon: c.lon });
    if (!Number.isFinite(c.radiusKm) || c.radiusKm < 0) {
      problems.error('circle_form', p, `${c.lat},${c.lon} ${c.radiusKm}`, '"lat,lon radius" with a radius of 0 or more kilometres');
    }
  });
  area.geocodes.forEach((g, i) => {
    problems.required(`${path}/geocode[${i}]/valueName`, g.valueName, 'the name of the geographic code system');
    problems.required(`${path}/geocode[${i}]/value`, g.value, 'the code');
  });
  if (area.altitude !== undefined && !Number.isFinite(area.altitude)) {
    problems.error('number', `${path}/altitude`, String(area.altitude), 'a number of feet above mean sea level');
  }
  if (area.ceiling !== undefined) {
    if (!Number.isFinite(area.ceiling))
      problems.error('number', `${path}/ceiling`, String(area.ceiling), 'a number of feet above mean sea level');
    if (area.altitude === undefined) {
      problems.error(
        'ceiling_without_altitude',
        `${path}/ceiling`,
        String(area.ceiling),
        'ceiling only together with altitude (CAP 1.2 §3.2.4)',
      );
    }
  }
}

function validateInfo(problems: ProblemList, path: string, info: CapInfo): void {
  if (info.language !== undefined && !LANGUAGE_TAG.test(info.language)) {
    problems.error('language_tag', `${path}/language`, info.language, 'an RFC 3066 language tag such as "zh-CN" or "en-US"');
  }
  if (info.categories.length === 0) problems.error('required', `${path}/category`, null, `at least one of ${CAP_CATEGORIES.join(', ')}`);
  info.categories.forEach((c, i) => {
    problems.oneOf(`${path}/category[${i}]`, c, CAP_CATEGORIES);
  });
  problems.required(`${path}/event`, info.event, 'the text denoting the type of the subject event');
  info.responseTypes.forEach((r, i) => {
    problems.oneOf(`${path}/responseType[${i}]`, r, CAP_RESPONSE_TYPES);
  });
  problems.oneOf(`${path}/urgency`, info.urgency, CAP_URGENCIES);
  problems.oneOf(`${path}/severity`, info.severity, CAP_SEVERITIES);
  problems.oneOf(`${path}/certainty`, info.certainty, CAP_CERTAINTIES);
  info.eventCodes.forEach((c, i) => {
    problems.required(`${path}/eventCode[${i}]/valueName`, c.valueName, 'the name of the event code system');
    problems.required(`${path}/eventCode[${i}]/value`, c.value, 'the code');
  });
  problems.time(`${path}/effective`, info.effective);
  problems.time(`${path}/onset`, info.onset);
  problems.time(`${path}/expires`, info.expires);
  for (const key of ['audience', 'senderName', 'headline', 'description', 'instruction', 'contact'] as const) {
    problems.chars(`${path}/${key}`, info[key]);
  }
  if (info.web !== undefined && !isAbsoluteUri(info.web)) {
    problems.error('uri', `${path}/web`, info.web, 'a full absolute URI, e.g. "https://example.org/alerts/1"');
  }
  info.parameters.forEach((c, i) => {
    problems.required(`${path}/parameter[${i}]/valueName`, c.valueName, 'the name of the parameter');
    problems.chars(`${path}/parameter[${i}]/value`, c.value);
  });
  info.resources.forEach((r, i) => {
    const p = `${path}/resource[${i}]`;
    problems.required(`${p}/resourceDesc`, r.resourceDesc, 'the text describing the type and content of the resource');
    problems.required(`${p}/mimeType`, r.mimeType, 'the MIME type of the resource, e.g. "image/png"');
    if (r.size !== undefined && (!Number.isInteger(r.size) || r.size < 0)) {
      problems.error('number', `${p}/size`, String(r.size), 'the size of the resource in bytes, a whole number');
    }
  });
  info.areas.forEach((a, i) => {
    validateArea(problems, `${path}/area[${i}]`, a);
  });
}

function isAbsoluteUri(value: string): boolean {
  try {
    return new URL(value).protocol.length > 1;
  } catch {
    return false;
  }
}

const NEEDS_REFERENCES = new Set(['Update', 'Cancel', 'Ack', 'Error']);

/** Every problem of `alert` against CAP 1.2 (errors only; an empty list means valid). */
export function validateCapAlert(alert: CapAlert): CapProblem[] {
  const problems = new ProblemList();
  problems.identifier('alert/identifier', alert.identifier, 'message identifier');
  problems.identifier('alert/sender', alert.sender, 'sender identifier');
  problems.time('alert/sent', alert.sent, true);
  problems.oneOf('alert/status', alert.status, CAP_STATUSES);
  problems.oneOf('alert/msgType', alert.msgType, CAP_MSG_TYPES);
  problems.oneOf('alert/scope', alert.scope, CAP_SCOPES);
  problems.chars('alert/source', alert.source);
  problems.chars('alert/note', alert.note);
  if (alert.scope === 'Restricted' && (alert.restriction === undefined || alert.restriction.trim() === '')) {
    problems.error(
      'restriction_required',
      'alert/restriction',
      null,
      'scope "Restricted" needs <restriction>, the rule for limiting distribution',
    );
  }
  problems.chars('alert/restriction', alert.restriction);
  if (alert.scope === 'Private' && alert.addresses.length === 0) {
    problems.error('addresses_required', 'alert/addresses', null, 'scope "Private" needs <addresses>, the intended recipients');
  }
  if (NEEDS_REFERENCES.has(alert.msgType) && alert.references.length === 0) {
    problems.error(
      'references_required',
      'alert/references',
      null,
      `msgType "${alert.msgType}" needs <references>: "sender,identifier,sent" of the earlier message(s), separated by whitespace`,
    );
  }
  for (const ref of alert.references) {
    const written = formatCapReference(ref);
    if (!ref.sender || !ref.identifier || IDENTIFIER_FORBIDDEN.test(ref.sender) || IDENTIFIER_FORBIDDEN.test(ref.identifier)) {
      problems.error(
        'reference_form',
        'alert/references',
        written,
        '"sender,identifier,sent" with sender and identifier free of spaces, commas, "<" and "&"',
      );
    } else if (capTimeProblem(ref.sent)) {
      problems.error('reference_form', 'alert/references', written, `"sender,identifier,sent" whose sent is ${capTimeProblem(ref.sent)}`);
    }
  }
  alert.infos.forEach((info, i) => {
    validateInfo(problems, `alert/info[${i}]`, info);
  });
  return problems.items;
}
