/**
 * Notifications, escalation and on-call (docs/notifications.md): the configuration as validated
 * data, on-call rosters, escalation schedules, message texts and the engine that turns incident
 * changes into messages. Pure: the I/O edge is web/server/notifications.
 */
export * from './city-time.ts';
export * from './notification-config.ts';
export * from './on-call.ts';
export * from './escalation.ts';
export * from './notify-types.ts';
export * from './message-text.ts';
export * from './notification-engine.ts';
export * from './case-notice.ts';
export * from './test-message.ts';
