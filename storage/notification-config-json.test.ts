import { describe, expect, it } from 'vitest';
import { NOTIFY_CONFIG_SCHEMA_VERSION, readStoredConfig, type NotifyConfigUpgrader } from './notification-config-json.ts';

const hook = { id: 'ops-hook', kind: 'webhook', url: 'https://hooks.example/ops', secret: 'a-secret-of-16-chars' };

describe('stored notification configuration', () => {
  it('reads a current document and fills its defaults', () => {
    expect(readStoredConfig('channel', 'ops-hook', NOTIFY_CONFIG_SCHEMA_VERSION, JSON.stringify(hook))).toMatchObject({
      ...hook,
      language: 'zh-CN',
      queue: { capacity: 10_000, concurrency: 4 },
    });
  });

  it('refuses a version it does not know, naming the document', () => {
    expect(() => readStoredConfig('channel', 'ops-hook', 2, JSON.stringify(hook))).toThrow(
      'stored channel "ops-hook" has schema version 2; this CityTwin reads versions 1 to 1',
    );
    expect(() => readStoredConfig('channel', 'ops-hook', 0, JSON.stringify(hook))).toThrow('has schema version 0');
  });

  it('refuses a document that no longer validates, without repeating its secret', () => {
    expect(() => readStoredConfig('channel', 'ops-hook', 1, JSON.stringify({ ...hook, secret: 'short' }))).toThrow(
      'stored channel "ops-hook" is not a valid notification channel: secret: must be at least 16 characters (value not shown)',
    );
    expect(() => readStoredConfig('roster', 'r', 1, '{"id":')).toThrow('stored roster "r" is not JSON');
  });

  it('upgrades one version at a time with the explicit upgraders before validating', () => {
    // A made-up history: version 1 called the webhook URL `endpoint`, version 2 named the language `lang`.
    const upgraders: Record<number, NotifyConfigUpgrader> = {
      1: (_kind, { endpoint, ...rest }) => ({ ...rest, url: endpoint }),
      2: (_kind, { lang, ...rest }) => ({ ...rest, language: lang }),
    };
    const v1 = { id: 'ops-hook', kind: 'webhook', endpoint: 'https://hooks.example/ops', secret: hook.secret, lang: 'en' };
    expect(readStoredConfig('channel', 'ops-hook', 1, JSON.stringify(v1), upgraders, 3)).toMatchObject({ url: hook.url, language: 'en' });
    expect(() => readStoredConfig('channel', 'ops-hook', 1, JSON.stringify(v1), { 2: upgraders[2]! }, 3)).toThrow(
      'has schema version 1 and there is no upgrader from version 1',
    );
  });
});
