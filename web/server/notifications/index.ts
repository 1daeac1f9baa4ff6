/**
 * The notifications' I/O edge (docs/notifications.md): channel senders (webhook, e-mail, SMS
 * gateway), the dispatcher with its bounded queues, retries and idempotency keys, and the
 * delivery log, and the service that wires them into the running product with their routes.
 */
export * from './channel-sender.ts';
export * from './channel-senders.ts';
export * from './backoff.ts';
export * from './http-request.ts';
export * from './webhook-channel.ts';
export * from './email-channel.ts';
export * from './sms-channel.ts';
export * from './idempotency-keys.ts';
export * from './delivery-log.ts';
export * from './notification-dispatcher.ts';
export * from './redis-idempotency-keys.ts';
export * from './notification-service.ts';
