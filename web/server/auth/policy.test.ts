import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderSecurityDoc, SECURITY_DOC, serverRoutes } from './policy-doc.ts';
import {
  clearanceOf,
  DEFAULT_CLEARANCE,
  hasPermission,
  parseClearance,
  PERMISSIONS,
  permissionsOf,
  ROLES,
  SOCKET_EVENTS,
} from './policy.ts';

describe('the access policy', () => {
  it('gives admin every permission and display only read access without history', () => {
    expect(permissionsOf(['admin'])).toEqual(Object.keys(PERMISSIONS));
    // A wall screen shows the map, incidents, units and the KPI screen, and acts on nothing.
    expect(permissionsOf(['display'])).toEqual([
      'live.read',
      'stats.read',
      'city.read',
      'sensors.read',
      'incidents.read',
      'units.read',
      'kpi.read',
      'warnings.read',
      'account.self',
    ]);
    expect(hasPermission(['display'], 'incidents.act')).toBe(false);
    expect(hasPermission(['display'], 'dispatch.act')).toBe(false);
    expect(hasPermission(['display'], 'replay.read')).toBe(false);
    expect(hasPermission(['display'], 'sensors.history')).toBe(false);
  });

  it("gives a warning issuer's system nothing but posting warnings (and its own identity)", () => {
    expect(permissionsOf(['warning_feed'])).toEqual(['cap.receive', 'account.self']);
  });

  it('unites the permissions and clearances of several roles', () => {
    expect(hasPermission(['leader', 'analyst'], 'ingest.dead-letters')).toBe(true);
    expect(clearanceOf(['display', 'leader'])).toEqual(['public', 'internal']);
    expect(clearanceOf([])).toEqual([]);
  });

  it('parses clearance overrides and names what is wrong with a bad one', () => {
    const t = parseClearance('leader=public,internal,sensitive; display=');
    expect(t.leader).toEqual(['public', 'internal', 'sensitive']);
    expect(t.display).toEqual([]);
    expect(t.operator).toEqual(DEFAULT_CLEARANCE.operator);
    expect(() => parseClearance('boss=public')).toThrow(/"boss" is not a role/);
    expect(() => parseClearance('leader=secret')).toThrow(/"secret" is not a classification/);
    expect(() => parseClearance('leader')).toThrow(/role=classification/);
  });

  it('gives every route of the server an access and every socket event a known permission', () => {
    const routes = serverRoutes();
    expect(routes.length).toBeGreaterThan(15);
    for (const r of routes) expect(['public', 'probe', ...Object.keys(PERMISSIONS)]).toContain(r.permission);
    // Only the login and the "am I signed in" question are open to anyone; health and metrics are probes.
    expect(routes.filter((r) => r.permission === 'public').map((r) => r.path)).toEqual(['/api/auth/login', '/api/auth/session']);
    for (const e of Object.values(SOCKET_EVENTS)) expect(Object.keys(PERMISSIONS)).toContain(e.permission);
    for (const p of Object.values(PERMISSIONS)) for (const r of p.roles) expect(ROLES).toContain(r);
  });

  it('matches docs/security.md (run `npm run docs:policy` after changing the policy)', () => {
    const doc = readFileSync(SECURITY_DOC, 'utf8');
    expect(renderSecurityDoc(doc)).toBe(doc);
  });
});
