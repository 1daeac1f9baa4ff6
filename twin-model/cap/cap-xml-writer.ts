/**
 * CAP 1.2 XML out. `buildCapXml(alert)` writes the canonical document: UTF-8, the CAP 1.2
 * namespace as the default namespace, elements in the order of the schema's sequences, text
 * escaped, lists (`addresses`, `references`, `incidents`) separated by single spaces with entries
 * that hold whitespace in double quotes (§3.2.1). It refuses an alert that `validateCapAlert`
 * finds invalid, so nothing invalid leaves the platform. Reading a document: cap-xml.ts.
 */
import {
  CAP_NAMESPACE,
  formatCapReference,
  type CapAlert,
  type CapArea,
  type CapCircle,
  type CapInfo,
  type CapPoint,
  type CapResource,
  type CapValuePair,
} from './cap-types.ts';
import { CapValidationError, validateCapAlert } from './cap-validate.ts';

function escapeText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Decimal degrees and kilometres without exponent notation (fast-xml-parser and CAP readers want plain decimals). */
export function formatCapNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  return n.toFixed(7).replace(/0+$/, '').replace(/\.$/, '');
}

function formatList(items: readonly string[]): string {
  return items.map((s) => (/\s/.test(s) ? `"${s}"` : s)).join(' ');
}

function formatPoint(p: CapPoint): string {
  return `${formatCapNumber(p.lat)},${formatCapNumber(p.lon)}`;
}

function formatCircle(c: CapCircle): string {
  return `${formatCapNumber(c.lat)},${formatCapNumber(c.lon)} ${formatCapNumber(c.radiusKm)}`;
}

class XmlWriter {
  private readonly lines: string[] = [];
  private depth = 0;

  open(name: string, attrs = ''): void {
    this.lines.push(`${'  '.repeat(this.depth)}<${name}${attrs}>`);
    this.depth++;
  }

  close(name: string): void {
    this.depth--;
    this.lines.push(`${'  '.repeat(this.depth)}</${name}>`);
  }

  text(name: string, value: string | number | undefined): void {
    if (value === undefined) return;
    const s = typeof value === 'number' ? formatCapNumber(value) : value;
    this.lines.push(`${'  '.repeat(this.depth)}<${name}>${escapeText(s)}</${name}>`);
  }

  pairs(name: string, pairs: readonly CapValuePair[]): void {
    for (const p of pairs) {
      this.open(name);
      this.text('valueName', p.valueName);
      this.text('value', p.value);
      this.close(name);
    }
  }

  toString(): string {
    return `${this.lines.join('\n')}\n`;
  }
}

function writeResource(w: XmlWriter, r: CapResource): void {
  w.open('resource');
  w.text('resourceDesc', r.resourceDesc);
  w.text('mimeType', r.mimeType);
  w.text('size', r.size);
  w.text('uri', r.uri);
  w.text('derefUri', r.derefUri);
  w.text('digest', r.digest);
  w.close('resource');
}

function writeArea(w: XmlWriter, a: CapArea): void {
  w.open('area');
  w.text('areaDesc', a.areaDesc);
  for (const ring of a.polygons) w.text('polygon', ring.map(formatPoint).join(' '));
  for (const c of a.circles) w.text('circle', formatCircle(c));
  w.pairs('geocode', a.geocodes);
  w.text('altitude', a.altitude);
  w.text('ceiling', a.ceiling);
  w.close('area');
}

function writeInfo(w: XmlWriter, info: CapInfo): void {
  w.open('info');
  w.text('language', info.language);
  for (const c of info.categories) w.text('category', c);
  w.text('event', info.event);
  for (const r of info.responseTypes) w.text('responseType', r);
  w.text('urgency', info.urgency);
  w.text('severity', info.severity);
  w.text('certainty', info.certainty);
  w.text('audience', info.audience);
  w.pairs('eventCode', info.eventCodes);
  w.text('effective', info.effective);
  w.text('onset', info.onset);
  w.text('expires', info.expires);
  w.text('senderName', info.senderName);
  w.text('headline', info.headline);
  w.text('description', info.description);
  w.text('instruction', info.instruction);
  w.text('web', info.web);
  w.text('contact', info.contact);
  w.pairs('parameter', info.parameters);
  for (const r of info.resources) writeResource(w, r);
  for (const a of info.areas) writeArea(w, a);
  w.close('info');
}

/**
 * The canonical CAP 1.2 document of `alert`.
 * @throws CapValidationError when the alert breaks a rule of CAP 1.2 (every problem listed).
 */
export function buildCapXml(alert: CapAlert): string {
  const problems = validateCapAlert(alert);
  if (problems.length > 0) throw new CapValidationError(problems);
  const w = new XmlWriter();
  w.open('alert', ` xmlns="${CAP_NAMESPACE}"`);
  w.text('identifier', alert.identifier);
  w.text('sender', alert.sender);
  w.text('sent', alert.sent);
  w.text('status', alert.status);
  w.text('msgType', alert.msgType);
  w.text('source', alert.source);
  w.text('scope', alert.scope);
  w.text('restriction', alert.restriction);
  if (alert.addresses.length > 0) w.text('addresses', formatList(alert.addresses));
  for (const c of alert.codes) w.text('code', c);
  w.text('note', alert.note);
  if (alert.references.length > 0) w.text('references', alert.references.map(formatCapReference).join(' '));
  if (alert.incidents.length > 0) w.text('incidents', formatList(alert.incidents));
  for (const info of alert.infos) writeInfo(w, info);
  w.close('alert');
  return `<?xml version="1.0" encoding="UTF-8"?>\n${w.toString()}`;
}
