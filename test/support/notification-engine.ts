/**
 * The notification engine and a dispatcher as the notification tests drive them: the pure
 * engine (twin-model/notifications) on a configuration, in Wuhan time with the example console
 * address, and the server's dispatcher over the real senders of the configured channels, its
 * delivery log and idempotency keys in memory.
 */
import {
  applyNotificationInput,
  createNotificationState,
  createRandom,
  parseNotificationConfig,
  type Incident,
  type NotificationConfigInput,
  type OutgoingMessage,
} from '../../twin-model/index.ts';
import {
  createSender,
  type IdempotencyKeys,
  MemoryDeliveryLog,
  MemoryIdempotencyKeys,
  NotificationDispatcher,
} from '../../web/server/notifications/index.ts';

type Districts = Parameters<typeof createNotificationState>[1]['districts'];
export type NotificationConfig = ReturnType<typeof parseNotificationConfig>;

/** The engine on `input`; `open(incident)` gives the messages of the incident's opening. */
export function notificationEngine(input: NotificationConfigInput, districts: Districts = new Map()) {
  const config = parseNotificationConfig(input);
  const state = createNotificationState(config, { timeZone: 'Asia/Shanghai', consoleUrl: 'https://citytwin.example', districts });
  const open = (inc: Incident): OutgoingMessage[] =>
    applyNotificationInput(
      state,
      {
        type: 'incident_change',
        change: { incidentId: inc.id, at: inc.openedAt, actor: 'twin', what: 'opened', detail: '', incident: inc },
      },
      { now: () => inc.openedAt },
    ).emitted.messages;
  return { config, open };
}

/** A dispatcher of `config`'s channels; `seed` fixes the jitter of its retries. */
export function memoryDispatcher(config: NotificationConfig, seed: number, keys: IdempotencyKeys = new MemoryIdempotencyKeys()) {
  const log = new MemoryDeliveryLog();
  const d = new NotificationDispatcher({
    channels: config.channels.map((channel) => ({ channel, sender: createSender(channel) })),
    keys,
    log,
    random: createRandom(seed).next,
  });
  return { d, log };
}
