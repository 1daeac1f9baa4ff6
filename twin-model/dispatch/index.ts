/** Dispatch: response units, road routing, recommendations, unit state and the dispatch log. */
export * from './unit-types.ts';
export * from './road-router.ts';
export * from './fleet.ts';
export * from './unit-needs.ts';
export * from './road-restrictions.ts';
export * from './restrictions-memo.ts';
export * from './recommender.ts';
export * from './unit-state.ts';
export * from './unit-trips.ts';
export * from './assignment.ts';
export * from './dispatch-schemas.ts';
export * from './unit-motion.ts';
export * from './response-times.ts';
// dispatch-log.ts is not exported here: it uses node:crypto and the console bundle may import
// this index; the server imports './dispatch-log.ts' directly.
export * from './fleet-register.ts';
