/**
 * The domain: vocabulary, message schemas and parsers, the city model types, the live twin
 * and its alarm rules. Pure: no I/O, no clock, no randomness but the seeded one.
 */
export * from './vocabulary.ts';
export * from './vocabulary-registry.ts';
export * from './unit-conversion.ts';
export * from './device-directory.ts';
export * from './random.ts';
export * from './quote-value.ts';
export * from './sensor-state.ts';
export * from './alarm-rules.ts';
export * from './rules/index.ts';
export * from './twin-state.ts';
export * from './seen-units.ts';
export * from './sensor-register.ts';
export * from './messages/topics.ts';
export * from './messages/payload-parser.ts';
export * from './messages/device-metrics.ts';
export * from './messages/record-parsers.ts';
export type * from './city/city-types.ts';
export * from './incidents/incident-rules.ts';
export * from './incidents/incident-correlator.ts';
export * from './incidents/incident-explanations.ts';
export * from './incidents/rule-files.ts';
export * from './incidents/fusion-engine.ts';
export * from './incidents/incident-restore.ts';
export * from './incidents/incident-schemas.ts';
export * from './dispatch/index.ts';
export * from './notifications/index.ts';
export * from './local-time.ts';
export * from './register-diff.ts';
export * from './shifts/shift-log.ts';
