import { describe, expect, it } from 'vitest';
import { clientIdOwner, clientIdRefusal } from './device-acl.ts';

const gateways = new Map<string, unknown>([
  ['gw-a', {}],
  ['gw-a-north', {}],
  ['hall', {}],
]);

describe('client ids bound to credentials', () => {
  it('gives an id to the gateway with the longest matching user name', () => {
    expect(clientIdOwner('gw-a', gateways)).toBe('gw-a');
    expect(clientIdOwner('gw-a-1', gateways)).toBe('gw-a');
    expect(clientIdOwner('gw-a-north', gateways)).toBe('gw-a-north');
    expect(clientIdOwner('gw-a-north-2', gateways)).toBe('gw-a-north');
    expect(clientIdOwner('gw-ab', gateways)).toBeNull();
    expect(clientIdOwner('hall2', gateways)).toBeNull();
    expect(clientIdOwner('', gateways)).toBeNull();
  });

  it('lets a gateway use only its own ids', () => {
    const a = { kind: 'gateway', username: 'gw-a' } as const;
    expect(clientIdRefusal(a, 'gw-a', false, gateways)).toBeNull();
    expect(clientIdRefusal(a, 'gw-a-7', false, gateways)).toBeNull();
    expect(clientIdRefusal(a, 'gw-a-north-1', false, gateways)).toMatch(
      /gateway gw-a may connect only with the client id "gw-a" or "gw-a-…", not "gw-a-north-1"/,
    );
    expect(clientIdRefusal(a, 'hall-1', false, gateways)).toMatch(/not "hall-1"/);
    expect(clientIdRefusal(a, 'anything', false, gateways)).toMatch(/not "anything"/);
    expect(clientIdRefusal(a, 'aedes_0c1f', true, gateways)).toBeNull();
  });

  it('keeps citytwin- ids for the in-process parts', () => {
    expect(clientIdRefusal({ kind: 'gateway', username: 'gw-a' }, 'citytwin-all-host-1', false, gateways)).toMatch(
      /client id "citytwin-all-host-1" is reserved for CityTwin's own parts/,
    );
    expect(clientIdRefusal({ kind: 'anonymous' }, 'citytwin-ingest-w1', false, gateways)).toMatch(/reserved/);
    expect(clientIdRefusal({ kind: 'internal' }, 'citytwin-ingest-w1', false, gateways)).toBeNull();
  });

  it("keeps anonymous clients off gateways' ids, and lets them use any other", () => {
    expect(clientIdRefusal({ kind: 'anonymous' }, 'hall-3', false, gateways)).toMatch(/belongs to a gateway's credentials/);
    expect(clientIdRefusal({ kind: 'anonymous' }, 'mosquitto_sub-42', false, gateways)).toBeNull();
  });
});
