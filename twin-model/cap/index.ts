/**
 * Common Alerting Protocol 1.2: public warnings out (drafted from incidents, approved by a second
 * person, published as CAP XML with an Atom index) and official warnings in (areas on the map
 * and evidence for incidents inside them). Pure: no I/O, no clock (docs/cap.md).
 */
export * from './cap-types.ts';
export * from './cap-time.ts';
export * from './cap-validate.ts';
export {
  CAP_MAX_XML_CHARS,
  CAP_MAX_XML_TAGS,
  parseCapXml,
  splitCapList,
  type CapParseResult,
} from './cap-xml.ts';
export { buildCapXml, formatCapNumber } from './cap-xml-writer.ts';
export * from './cap-drafts.ts';
export * from './cap-approval.ts';
export * from './cap-atom.ts';
export * from './cap-context.ts';
