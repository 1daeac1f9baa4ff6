import { readFileSync } from 'node:fs';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { capTimeToMs, formatCapTime } from './cap-time.ts';
import type { CapAlert } from './cap-types.ts';
import { CapValidationError, formatCapProblem, type CapProblem } from './cap-validate.ts';
import { CAP_MAX_XML_CHARS, CAP_MAX_XML_TAGS, parseCapXml, splitCapList } from './cap-xml.ts';
import { buildCapXml } from './cap-xml-writer.ts';

/** The four examples of CAP 1.2's Appendix A, transcribed from the specification (see each file's header). */
const SPEC_EXAMPLES = ['spec-a1-homeland-security.xml', 'spec-a2-thunderstorm.xml', 'spec-a3-earthquake.xml', 'spec-a4-amber-alert.xml'];
const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const THUNDERSTORM = fixture('spec-a2-thunderstorm.xml');

function parsed(xml: string): CapAlert {
  const r = parseCapXml(xml);
  if (!r.ok) throw new Error(r.problems.map(formatCapProblem).join('\n'));
  return r.alert;
}

/** Replaces `from` (which must be there, so a broken variant never equals the original by accident). */
function variant(from: string, to: string, xml = THUNDERSTORM): string {
  expect(xml).toContain(from);
  return xml.replace(from, to);
}

function problemsOf(xml: string): CapProblem[] {
  const r = parseCapXml(xml);
  return r.ok ? r.warnings : r.problems;
}

describe('the CAP 1.2 specification examples (Appendix A)', () => {
  it.each(SPEC_EXAMPLES)('%s parses without problems and round-trips through build → parse', (name) => {
    const r = parseCapXml(fixture(name));
    expect(r.ok ? r.warnings : r.problems).toEqual([]);
    const alert = parsed(fixture(name));
    const xml = buildCapXml(alert);
    expect(parsed(xml)).toEqual(alert);
    expect(buildCapXml(parsed(xml))).toBe(xml);
  });

  it('reads the thunderstorm warning element by element', () => {
    const alert = parsed(THUNDERSTORM);
    expect(alert).toMatchObject({
      identifier: 'KSTO1055887203',
      sender: 'KSTO@NWS.NOAA.GOV',
      sent: '2003-06-17T14:57:00-07:00',
      status: 'Actual',
      msgType: 'Alert',
      scope: 'Public',
    });
    const info = alert.infos[0]!;
    expect(info).toMatchObject({
      categories: ['Met'],
      event: 'SEVERE THUNDERSTORM',
      responseTypes: ['Shelter'],
      urgency: 'Immediate',
      severity: 'Severe',
      certainty: 'Observed',
      eventCodes: [{ valueName: 'SAME', value: 'SVR' }],
      expires: '2003-06-17T16:00:00-07:00',
      contact: 'BARUFFALDI/JUSKIE',
    });
    const area = info.areas[0]!;
    // CAP writes latitude first: "38.47,-120.14" is 38.47° N, 120.14° W.
    expect(area.polygons[0]![0]).toEqual({ lat: 38.47, lon: -120.14 });
    expect(area.polygons[0]).toHaveLength(5);
    expect(area.geocodes.map((g) => g.value)).toEqual(['006109', '006009', '006003']);
    expect(capTimeToMs(alert.sent)).toBe(Date.UTC(2003, 5, 17, 21, 57));
  });

  it('reads the earthquake update: its reference and its circle of radius 0', () => {
    const alert = parsed(fixture('spec-a3-earthquake.xml'));
    expect(alert.msgType).toBe('Update');
    expect(alert.references).toEqual([{ sender: 'trinet@caltech.edu', identifier: 'TRI13970876.1', sent: '2003-06-11T20:30:00-07:00' }]);
    expect(alert.infos[0]!.areas[0]!.circles).toEqual([{ lat: 32.9525, lon: -115.5527, radiusKm: 0 }]);
    expect(alert.infos[0]!.parameters).toHaveLength(5);
  });

  it('reads a document that starts with a byte order mark', () => {
    expect(parsed(`\uFEFF${THUNDERSTORM}`)).toEqual(parsed(THUNDERSTORM));
  });

  it('reads both languages of the AMBER alert', () => {
    const alert = parsed(fixture('spec-a4-amber-alert.xml'));
    expect(alert.source).toBe('SW');
    expect(alert.infos.map((i) => [i.language, i.event])).toEqual([
      ['en-US', 'Child Abduction'],
      ['es-US', 'Abducción de Niño'],
    ]);
  });

  it('reads the homeland security advisory with its resource and a language left to the default', () => {
    const info = parsed(fixture('spec-a1-homeland-security.xml')).infos[0]!;
    expect(info.language).toBeUndefined();
    expect(info.resources).toEqual([
      { resourceDesc: 'Image file (GIF)', mimeType: 'image/gif', uri: 'http://www.dhs.gov/dhspublic/getAdvisoryImage' },
    ]);
    expect(info.parameters).toEqual([{ valueName: 'HSAS', value: 'ORANGE' }]);
  });
});

describe('parseCapXml names every problem', () => {
  const cases: Array<[string, string, string, Partial<CapProblem>]> = [
    ['identifier missing', '<identifier>KSTO1055887203</identifier>', '', { code: 'required', path: 'alert/identifier', value: null }],
    [
      'identifier with a space',
      '<identifier>KSTO1055887203</identifier>',
      '<identifier>KSTO 1055887203</identifier>',
      { code: 'identifier_chars', path: 'alert/identifier', value: 'KSTO 1055887203' },
    ],
    [
      'identifier with a comma',
      '<identifier>KSTO1055887203</identifier>',
      '<identifier>KSTO,1</identifier>',
      { code: 'identifier_chars', value: 'KSTO,1' },
    ],
    [
      'sender with &',
      '<sender>KSTO@NWS.NOAA.GOV</sender>',
      '<sender>KSTO&amp;NWS</sender>',
      { code: 'identifier_chars', path: 'alert/sender', value: 'KSTO&NWS' },
    ],
    [
      'sender with <',
      '<sender>KSTO@NWS.NOAA.GOV</sender>',
      '<sender>KSTO&lt;NWS</sender>',
      { code: 'identifier_chars', path: 'alert/sender', value: 'KSTO<NWS' },
    ],
    [
      'sent in UTC with Z',
      '<sent>2003-06-17T14:57:00-07:00</sent>',
      '<sent>2003-06-17T21:57:00Z</sent>',
      { code: 'date_time', path: 'alert/sent', value: '2003-06-17T21:57:00Z', allowed: expect.stringContaining('"-00:00"') },
    ],
    [
      'sent without offset',
      '<sent>2003-06-17T14:57:00-07:00</sent>',
      '<sent>2003-06-17T14:57:00</sent>',
      { code: 'date_time', path: 'alert/sent' },
    ],
    [
      'sent with fractional seconds',
      '<sent>2003-06-17T14:57:00-07:00</sent>',
      '<sent>2003-06-17T14:57:00.5-07:00</sent>',
      { code: 'date_time', allowed: expect.stringContaining('fractional') },
    ],
    [
      'sent on 30 February',
      '<sent>2003-06-17T14:57:00-07:00</sent>',
      '<sent>2003-02-30T14:57:00-07:00</sent>',
      { code: 'date_time', value: '2003-02-30T14:57:00-07:00' },
    ],
    ['sent missing', '<sent>2003-06-17T14:57:00-07:00</sent>', '', { code: 'required', path: 'alert/sent', value: null }],
    [
      'status in lower case',
      '<status>Actual</status>',
      '<status>actual</status>',
      {
        code: 'enumeration',
        path: 'alert/status',
        value: 'actual',
        allowed: expect.stringContaining('Actual, Exercise, System, Test, Draft'),
      },
    ],
    [
      'msgType unknown',
      '<msgType>Alert</msgType>',
      '<msgType>Warning</msgType>',
      { code: 'enumeration', path: 'alert/msgType', value: 'Warning' },
    ],
    ['scope missing', '<scope>Public</scope>', '', { code: 'required', path: 'alert/scope', value: null }],
    ['scope unknown', '<scope>Public</scope>', '<scope>Everyone</scope>', { code: 'enumeration', path: 'alert/scope', value: 'Everyone' }],
    [
      'Restricted without restriction',
      '<scope>Public</scope>',
      '<scope>Restricted</scope>',
      { code: 'restriction_required', path: 'alert/restriction', value: null },
    ],
    [
      'Private without addresses',
      '<scope>Public</scope>',
      '<scope>Private</scope>',
      { code: 'addresses_required', path: 'alert/addresses', value: null },
    ],
    [
      'Update without references',
      '<msgType>Alert</msgType>',
      '<msgType>Update</msgType>',
      { code: 'references_required', path: 'alert/references', value: null },
    ],
    ['Cancel without references', '<msgType>Alert</msgType>', '<msgType>Cancel</msgType>', { code: 'references_required' }],
    ['Ack without references', '<msgType>Alert</msgType>', '<msgType>Ack</msgType>', { code: 'references_required' }],
    ['Error without references', '<msgType>Alert</msgType>', '<msgType>Error</msgType>', { code: 'references_required' }],
    [
      'reference of two parts',
      '<scope>Public</scope>',
      '<scope>Public</scope><references>KSTO@NWS.NOAA.GOV,KSTO1</references>',
      { code: 'reference_form', path: 'alert/references', value: 'KSTO@NWS.NOAA.GOV,KSTO1' },
    ],
    [
      'reference sent with Z',
      '<scope>Public</scope>',
      '<scope>Public</scope><references>KSTO@NWS.NOAA.GOV,KSTO1,2003-06-17T14:00:00Z</references>',
      { code: 'reference_form', value: 'KSTO@NWS.NOAA.GOV,KSTO1,2003-06-17T14:00:00Z' },
    ],
    [
      'category unknown',
      '<category>Met</category>',
      '<category>Weather</category>',
      { code: 'enumeration', path: 'alert/info[0]/category[0]', value: 'Weather' },
    ],
    ['category missing', '<category>Met</category>', '', { code: 'required', path: 'alert/info[0]/category', value: null }],
    ['event missing', '<event>SEVERE THUNDERSTORM</event>', '', { code: 'required', path: 'alert/info[0]/event' }],
    [
      'responseType unknown',
      '<responseType>Shelter</responseType>',
      '<responseType>Hide</responseType>',
      { code: 'enumeration', path: 'alert/info[0]/responseType[0]', value: 'Hide' },
    ],
    ['urgency missing', '<urgency>Immediate</urgency>', '', { code: 'required', path: 'alert/info[0]/urgency' }],
    [
      'urgency unknown',
      '<urgency>Immediate</urgency>',
      '<urgency>Now</urgency>',
      { code: 'enumeration', path: 'alert/info[0]/urgency', value: 'Now' },
    ],
    [
      'severity unknown',
      '<severity>Severe</severity>',
      '<severity>High</severity>',
      { code: 'enumeration', path: 'alert/info[0]/severity', value: 'High' },
    ],
    ['severity missing', '<severity>Severe</severity>', '', { code: 'required', path: 'alert/info[0]/severity' }],
    [
      'certainty unknown',
      '<certainty>Observed</certainty>',
      '<certainty>Sure</certainty>',
      { code: 'enumeration', path: 'alert/info[0]/certainty', value: 'Sure' },
    ],
    ['certainty missing', '<certainty>Observed</certainty>', '', { code: 'required', path: 'alert/info[0]/certainty' }],
    [
      'expires with Z',
      '<expires>2003-06-17T16:00:00-07:00</expires>',
      '<expires>2003-06-17T23:00:00Z</expires>',
      { code: 'date_time', path: 'alert/info[0]/expires' },
    ],
    [
      'language with an underscore',
      '<category>Met</category>',
      '<language>zh_CN</language><category>Met</category>',
      { code: 'language_tag', path: 'alert/info[0]/language', value: 'zh_CN' },
    ],
    ['web not absolute', '<contact>', '<web>alerts/1</web><contact>', { code: 'uri', path: 'alert/info[0]/web', value: 'alerts/1' }],
    [
      'areaDesc missing',
      /<areaDesc>[^<]*<\/areaDesc>/.exec(THUNDERSTORM)![0],
      '',
      { code: 'required', path: 'alert/info[0]/area[0]/areaDesc' },
    ],
    [
      'polygon of 3 pairs',
      '38.47,-120.14 38.34,-119.95 38.52,-119.74 38.62,-119.89 38.47,-120.14',
      '38.47,-120.14 38.34,-119.95 38.47,-120.14',
      { code: 'polygon_points', path: 'alert/info[0]/area[0]/polygon[0]' },
    ],
    [
      'polygon not closed',
      '38.47,-120.14 38.34,-119.95 38.52,-119.74 38.62,-119.89 38.47,-120.14',
      '38.47,-120.14 38.34,-119.95 38.52,-119.74 38.62,-119.89',
      { code: 'polygon_not_closed', path: 'alert/info[0]/area[0]/polygon[0]' },
    ],
    [
      'polygon written lon,lat',
      '38.47,-120.14 38.34,-119.95 38.52,-119.74 38.62,-119.89 38.47,-120.14',
      '-120.14,38.47 -119.95,38.34 -119.74,38.52 -119.89,38.62 -120.14,38.47',
      {
        code: 'coordinate_range',
        path: 'alert/info[0]/area[0]/polygon[0]',
        value: '-120.14,38.47',
        allowed: expect.stringContaining('latitude first'),
      },
    ],
    ['polygon pair with a semicolon', '38.34,-119.95', '38.34;-119.95', { code: 'coordinate_form', value: '38.34;-119.95' }],
    [
      'circle without a radius',
      '</polygon>',
      '</polygon><circle>38.5,-120.0</circle>',
      { code: 'circle_form', path: 'alert/info[0]/area[0]/circle[0]', value: '38.5,-120.0' },
    ],
    [
      'circle with a negative radius',
      '</polygon>',
      '</polygon><circle>38.5,-120.0 -2</circle>',
      { code: 'circle_form', path: 'alert/info[0]/area[0]/circle[0]' },
    ],
    [
      'ceiling without altitude',
      '</geocode>\n    </area>',
      '</geocode><ceiling>1000</ceiling>\n    </area>',
      { code: 'ceiling_without_altitude', path: 'alert/info[0]/area[0]/ceiling', value: '1000' },
    ],
    [
      'altitude not a number',
      '</geocode>\n    </area>',
      '</geocode><altitude>high</altitude>\n    </area>',
      { code: 'number', path: 'alert/info[0]/area[0]/altitude', value: 'high' },
    ],
    ['identifier twice', '<sender>', '<identifier>again</identifier><sender>', { code: 'repeated', path: 'alert/identifier' }],
    [
      'CAP 1.1 namespace',
      'urn:oasis:names:tc:emergency:cap:1.2',
      'urn:oasis:names:tc:emergency:cap:1.1',
      { code: 'namespace', path: 'alert', value: 'urn:oasis:names:tc:emergency:cap:1.1' },
    ],
    ['no namespace', ' xmlns="urn:oasis:names:tc:emergency:cap:1.2"', '', { code: 'namespace', value: null }],
    ['a document type declaration', '<alert ', '<!DOCTYPE alert [<!ENTITY x "y">]><alert ', { code: 'xml_doctype' }],
  ];

  it.each(cases)('%s', (_what, from, to, expected) => {
    const problems = problemsOf(variant(from, to));
    expect(problems).toContainEqual(expect.objectContaining({ level: 'error', ...expected }));
    expect(parseCapXml(variant(from, to)).ok).toBe(false);
  });

  it('a resource size that is not a whole number', () => {
    const xml = variant('<uri>', '<size>1.5</size><uri>', fixture('spec-a1-homeland-security.xml'));
    expect(problemsOf(xml)).toContainEqual(
      expect.objectContaining({ code: 'number', path: 'alert/info[0]/resource[0]/size', value: '1.5' }),
    );
  });

  it('an element inside a text element', () => {
    const problems = problemsOf(
      variant('<headline>SEVERE THUNDERSTORM WARNING</headline>', '<headline>SEVERE <b>THUNDERSTORM</b></headline>'),
    );
    expect(problems).toContainEqual(expect.objectContaining({ code: 'not_text', path: 'alert/info[0]/headline' }));
  });

  it('XML that is not well-formed, with its line and column', () => {
    const problems = problemsOf(variant('</scope>', '</scop>'));
    expect(problems).toEqual([expect.objectContaining({ code: 'xml_not_well_formed', value: expect.stringMatching(/^\d+:\d+: /) })]);
  });

  it('refuses documents too large, with too many tags or nested too deep, without throwing', () => {
    const open = '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">';
    const big = `${open}<note>${'x'.repeat(CAP_MAX_XML_CHARS)}</note></alert>`;
    expect(problemsOf(big)).toEqual([expect.objectContaining({ code: 'too_large', value: `${big.length} characters` })]);
    const many = `${open}${'<code>x</code>'.repeat(CAP_MAX_XML_TAGS / 2)}</alert>`;
    expect(problemsOf(many)).toEqual([expect.objectContaining({ code: 'too_large', value: `${CAP_MAX_XML_TAGS + 2} tags` })]);
    const deep = `${open}${'<info>'.repeat(100)}${'</info>'.repeat(100)}</alert>`;
    expect(problemsOf(deep)).toEqual([
      expect.objectContaining({ code: 'xml_not_well_formed', allowed: 'XML nested at most 16 elements deep' }),
    ]);
  });

  it('references XML does not define without a DTD, with their line and column', () => {
    const nbsp = problemsOf(variant('SEVERE THUNDERSTORM WARNING', 'SEVERE&nbsp;THUNDERSTORM WARNING'));
    expect(nbsp).toEqual([expect.objectContaining({ code: 'xml_not_well_formed', value: '28:21: &nbsp;' })]);
    expect(problemsOf(variant('BARUFFALDI/JUSKIE', 'BARUFFALDI&#0;'))).toEqual([expect.objectContaining({ code: 'xml_not_well_formed' })]);
  });

  it('decodes references in text but not in CDATA', () => {
    const alert = parsed(
      variant(
        '<headline>SEVERE THUNDERSTORM WARNING</headline>',
        '<headline>A &amp; B &#x4E2D;&#25991; &lt;3</headline><description><![CDATA[x &amp; <y>]]></description>',
        THUNDERSTORM.replace(/<description>[\s\S]*?<\/description>/, ''),
      ),
    );
    expect(alert.infos[0]!.headline).toBe('A & B 中文 <3');
    expect(alert.infos[0]!.description).toBe('x &amp; <y>');
  });

  it('a root other than alert', () => {
    expect(problemsOf('<feed xmlns="http://www.w3.org/2005/Atom"/>')).toEqual([
      expect.objectContaining({ code: 'root_element', value: '<feed>' }),
    ]);
  });

  it('lists every problem of a message, not only the first', () => {
    let xml = variant('<status>Actual</status>', '<status>Real</status>');
    xml = variant('<sent>2003-06-17T14:57:00-07:00</sent>', '<sent>2003-06-17T21:57:00Z</sent>', xml);
    xml = variant('<urgency>Immediate</urgency>', '', xml);
    xml = variant(
      '38.47,-120.14 38.34,-119.95 38.52,-119.74 38.62,-119.89 38.47,-120.14',
      '38.47,-120.14 38.34,-119.95 38.52,-119.74 38.62,-119.89',
      xml,
    );
    const problems = problemsOf(xml);
    expect(problems.map((p) => `${p.code} ${p.path}`).sort()).toEqual([
      'date_time alert/sent',
      'enumeration alert/status',
      'polygon_not_closed alert/info[0]/area[0]/polygon[0]',
      'required alert/info[0]/urgency',
    ]);
    expect(formatCapProblem(problems.find((p) => p.code === 'enumeration')!)).toBe(
      'alert/status: "Real" — one of Actual, Exercise, System, Test, Draft (case-sensitive)',
    );
  });

  it('quotes the value of a problem cut at 80 characters, a line break and an override escaped', () => {
    const problem = problemsOf(variant('<status>Actual</status>', `<status>ab\n\u202ecd${'x'.repeat(494)}</status>`, THUNDERSTORM)).find(
      (p) => p.path === 'alert/status',
    )!;
    expect(formatCapProblem(problem)).toBe(
      `alert/status: "ab\\n\\u202ecd${'x'.repeat(67)}… — one of Actual, Exercise, System, Test, Draft (case-sensitive)`,
    );
  });

  it('reads elements out of the schema order and unknown elements, with warnings', () => {
    let xml = variant('<status>Actual</status>\n  <msgType>Alert</msgType>', '<msgType>Alert</msgType>\n  <status>Actual</status>');
    xml = variant('<contact>', '<colour>red</colour><contact>', xml);
    const r = parseCapXml(xml);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.warnings).toEqual([
      expect.objectContaining({ level: 'warning', code: 'element_order', path: 'alert/status' }),
      expect.objectContaining({ level: 'warning', code: 'unknown_element', path: 'alert/info[0]/colour' }),
    ]);
    expect(r.alert.status).toBe('Actual');
  });

  it('reads a prefixed CAP namespace and ignores an XML signature', () => {
    const prefixed = THUNDERSTORM.replace(/<(\/?)([A-Za-z]+)/g, '<$1cap:$2').replace(
      'xmlns=',
      'xmlns:ds="http://www.w3.org/2000/09/xmldsig#" xmlns:cap=',
    );
    const signed = prefixed.replace('</cap:alert>', '<ds:Signature><ds:SignedInfo/></ds:Signature></cap:alert>');
    const r = parseCapXml(signed);
    expect(r.ok && r.warnings).toEqual([]);
    expect(parsed(signed)).toEqual(parsed(THUNDERSTORM));
  });
});

describe('buildCapXml', () => {
  const base = (): CapAlert => ({
    ...parsed(THUNDERSTORM),
    scope: 'Private',
    addresses: ['ops@city.example', 'Duty Desk'],
    incidents: ['inc-000012'],
  });

  it('escapes text, quotes list entries with spaces, and reads back the same alert', () => {
    const alert = base();
    alert.infos[0]!.headline = 'Water < 30 cm & rising > slowly';
    const xml = buildCapXml(alert);
    expect(xml).toContain('<headline>Water &lt; 30 cm &amp; rising &gt; slowly</headline>');
    expect(xml).toContain('<addresses>ops@city.example "Duty Desk"</addresses>');
    expect(parsed(xml)).toEqual(alert);
  });

  it('writes the elements in the schema order whatever the order of the fields', () => {
    const { infos, ...rest } = base();
    const shuffled = Object.fromEntries(Object.entries(rest).reverse()) as Omit<CapAlert, 'infos'>;
    const info = Object.fromEntries(Object.entries(infos[0]!).reverse()) as CapAlert['infos'][number];
    const xml = buildCapXml({ ...shuffled, infos: [info] });
    const names = [...xml.matchAll(/^ {2,4}<([A-Za-z]+)>/gm)].map((m) => m[1]);
    expect(names.slice(0, 9)).toEqual(['identifier', 'sender', 'sent', 'status', 'msgType', 'scope', 'addresses', 'incidents', 'info']);
    expect(names.slice(9, 16)).toEqual(['category', 'event', 'responseType', 'urgency', 'severity', 'certainty', 'eventCode']);
    expect(new XMLParser().parse(xml).alert.identifier).toBe('KSTO1055887203');
  });

  it('writes references as space-separated "sender,identifier,sent" triples', () => {
    const alert: CapAlert = {
      ...base(),
      msgType: 'Cancel',
      references: [
        { sender: 'a@city.example', identifier: 'A1', sent: '2026-07-01T14:00:00+08:00' },
        { sender: 'a@city.example', identifier: 'A2', sent: '2026-07-01T14:30:00+08:00' },
      ],
    };
    expect(buildCapXml(alert)).toContain(
      '<references>a@city.example,A1,2026-07-01T14:00:00+08:00 a@city.example,A2,2026-07-01T14:30:00+08:00</references>',
    );
  });

  it('refuses an invalid alert and lists its problems', () => {
    const alert: CapAlert = { ...base(), identifier: 'has space', sent: '2026-07-01T06:00:00Z' };
    expect(() => buildCapXml(alert)).toThrow(CapValidationError);
    try {
      buildCapXml(alert);
    } catch (e) {
      expect((e as CapValidationError).problems.map((p) => p.code)).toEqual(['identifier_chars', 'date_time']);
      expect((e as Error).message).toContain('alert/identifier: "has space"');
    }
  });

  it('refuses control characters XML cannot carry', () => {
    const alert = base();
    alert.infos[0]!.description = 'bell \u0007';
    expect(() => buildCapXml(alert)).toThrow(/alert\/info\[0\]\/description/);
  });

  it('writes coordinates as plain decimals', () => {
    const alert = base();
    alert.infos[0]!.areas[0]!.circles = [{ lat: 30.5, lon: 114.0000001, radiusKm: 0.0000004 }];
    expect(buildCapXml(alert)).toContain('<circle>30.5,114.0000001 0.0000004</circle>');
  });
});

describe('CAP date-times', () => {
  it('writes the city offset, and UTC as -00:00', () => {
    const t = Date.UTC(2026, 6, 1, 6, 5, 9, 700);
    expect(formatCapTime(t, 'Asia/Shanghai')).toBe('2026-07-01T14:05:09+08:00');
    expect(formatCapTime(t, 'UTC')).toBe('2026-07-01T06:05:09-00:00');
    expect(formatCapTime(t, 'America/Los_Angeles')).toBe('2026-06-30T23:05:09-07:00');
    expect(formatCapTime(Date.UTC(2026, 0, 1), 'America/Los_Angeles')).toBe('2025-12-31T16:00:00-08:00');
    expect(formatCapTime(t, 'Asia/Kolkata')).toBe('2026-07-01T11:35:09+05:30');
    expect(capTimeToMs(formatCapTime(t, 'Asia/Shanghai'))).toBe(Date.UTC(2026, 6, 1, 6, 5, 9));
  });

  it('refuses a time zone that is not IANA, quoting it', () => {
    expect(() => formatCapTime(0, 'China/Wuhan')).toThrow('time zone "China/Wuhan" is not an IANA time zone');
  });

  it('splits lists with quoted entries', () => {
    expect(splitCapList('a@b "Duty Desk"  c')).toEqual(['a@b', 'Duty Desk', 'c']);
  });
});
