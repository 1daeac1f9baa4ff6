/**
 * Alarm and incident rules at run time (docs/rules.md): the rule-set model and its validation,
 * resolution per sensor, evaluation, versions with their diffs, the preview, and the incident
 * rule sets.
 */
export * from './rule-set.ts';
export * from './rule-resolve.ts';
export * from './rule-eval.ts';
export * from './rule-diff.ts';
export * from './rule-versions.ts';
export * from './rule-preview.ts';
export * from './city-rules.ts';
