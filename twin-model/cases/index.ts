/**
 * Hotline cases (民呼我应, 12345) handled end to end: intake, automatic assignment by a routing
 * table, the department's accept / reply / return, closing, the citizen's feedback, time limits
 * with overdue detection, repeat callers, links to incidents, redaction per viewer and the KPI
 * (docs/cases.md). Pure: time from the context, no I/O. The keyed phone hash (phone-hash.ts,
 * `node:crypto`) is not exported here; import it where the server builds the desk's context.
 */
export * from './case-types.ts';
export { CaseRulesError } from './case-rules-error.ts';
export * from './case-rules.ts';
export * from './case-routing.ts';
export * from './case-sla.ts';
export * from './case-intake.ts';
export * from './case-workflow.ts';
export * from './case-desk.ts';
export * from './case-changes.ts';
export { createRepeatIndex, findRepeat, addRepeatEntry, pruneRepeats, type RepeatIndex, type RepeatProbe } from './case-repeats.ts';
export * from './case-incidents.ts';
export * from './case-view.ts';
export * from './case-kpi.ts';
export * from './default-rules.ts';
export { isIanaZone as isTimeZone, localDateTime, zonedInstant } from '../local-time.ts';
