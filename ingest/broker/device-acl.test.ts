import { describe, expect, it } from 'vitest';
import { clientIdOwner, clientIdRefusal, gatewaySensorPolicy, parseGatewayCredentials, publishRefusal } from './device-acl.ts';

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

  it('quotes a client id cut at 80 characters, a line break and an override escaped', () => {
    const id = `ab\n\u202ecd${'x'.repeat(494)}`;
    const quoted = `"ab\\n\\u202ecd${'x'.repeat(67)}…`;
    expect(clientIdRefusal({ kind: 'gateway', username: 'gw-a' }, id, false, gateways)).toBe(
      `gateway gw-a may connect only with the client id "gw-a" or "gw-a-…", not ${quoted}`,
    );
    expect(clientIdRefusal({ kind: 'anonymous' }, `citytwin-${id}`, false, gateways)).toBe(
      `client id "citytwin-ab\\n\\u202ecd${'x'.repeat(58)}… is reserved for CityTwin's own parts (ids starting with "citytwin-")`,
    );
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

describe("a gateway's SenML topic (v1.1)", () => {
  const credentials = parseGatewayCredentials(
    JSON.stringify({
      gateways: [
        { username: 'gw-a', passwordHash: 'scrypt$x', sensors: ['wl-a-*', 'rg-1'] },
        { username: 'gw-b', passwordHash: 'scrypt$x', sensors: ['*'] },
      ],
    }),
  );
  const a = credentials.get('gw-a')!;

  it('may publish a pack on its own gateway topic only', () => {
    expect(publishRefusal(a, 'citytwin/v1/gateways/gw-a/senml')).toBeNull();
    expect(publishRefusal(a, 'citytwin/v1/gateways/gw-b/senml')).toBe(
      'gateway gw-a may publish SenML packs only on gateways/gw-a/senml, not for gw-b',
    );
  });

  it("lets a pack's records speak for the sensors of its credentials; a gateway without credentials for any", () => {
    const may = gatewaySensorPolicy(credentials);
    expect(may('gw-a', 'wl-a-7')).toBe(true);
    expect(may('gw-a', 'rg-1')).toBe(true);
    expect(may('gw-a', 'rg-2')).toBe(false);
    expect(may('gw-b', 'rg-2')).toBe(true);
    expect(may('loopback-gw', 'rg-2')).toBe(true);
  });
});
