import { describe, expect, it } from 'vitest';
import { INCIDENT_TYPES } from '../vocabulary.ts';
import { UNIT_KINDS } from './unit-types.ts';
import { UNIT_NEEDS, UnitNeedsError, capabilitiesOf, needsOf, parseUnitNeeds, unitKindSpec } from './unit-needs.ts';

/** The document as JSON before its checks, so a test can write anything into it. */
interface RawNeeds {
  incidentTypes: Record<string, { unitKinds: string[] }>;
  unitKinds: Record<string, { capabilities: string[]; idPrefix: string }>;
}
const clone = () => JSON.parse(JSON.stringify(UNIT_NEEDS)) as RawNeeds;

describe('unit needs', () => {
  it('has needs for every incident type, and the documented pairings of types and units', () => {
    for (const type of INCIDENT_TYPES) expect(needsOf(type).type).toBe(type);
    expect(needsOf('waterlogging')).toMatchObject({
      capabilities: ['pumping', 'traffic_control'],
      unitKinds: ['pump_team', 'traffic_police'],
    });
    expect(needsOf('traffic_accident').unitKinds).toEqual(['ambulance', 'traffic_police', 'police']);
    expect(needsOf('fire').capabilities).toEqual(['firefighting', 'medical']);
    expect(needsOf('power_outage').unitKinds).toEqual(['traffic_police']);
    expect(needsOf('heat_stress').capabilities).toEqual(['medical']);
    expect(needsOf('crowd').unitKinds).toEqual(['police']);
    expect(needsOf('service_surge')).toEqual({ type: 'service_surge', capabilities: [], unitKinds: [], onSceneMin: 0 });
  });

  it('gives every unit kind capabilities and a station, and returns copies', () => {
    for (const kind of UNIT_KINDS) expect(capabilitiesOf(kind).length).toBeGreaterThan(0);
    expect(unitKindSpec('pump_team').station).toBe('pump_depot');
    expect(unitKindSpec('traffic_police').station).toBe('police_station');
    const caps = capabilitiesOf('police');
    caps.push('pumping');
    expect(capabilitiesOf('police')).not.toContain('pumping');
    needsOf('fire').capabilities.pop();
    expect(needsOf('fire').capabilities).toHaveLength(2);
  });

  it('rejects a document with a missing type, an unknown capability or a kind that brings nothing needed', () => {
    const missing = clone();
    delete missing.incidentTypes.crowd;
    expect(() => parseUnitNeeds(missing)).toThrow(UnitNeedsError);
    expect(() => parseUnitNeeds(missing)).toThrow(/incidentTypes.crowd/);
    const unknown = clone();
    unknown.unitKinds.ambulance!.capabilities = ['teleport'];
    expect(() => parseUnitNeeds(unknown)).toThrow(/unitKinds.ambulance.capabilities.0/);
    const useless = clone();
    useless.incidentTypes.crowd!.unitKinds = ['police', 'ambulance'];
    expect(() => parseUnitNeeds(useless)).toThrow(/ambulance brings none of the capabilities crowd needs/);
    const uncovered = clone();
    uncovered.incidentTypes.fire!.unitKinds = ['fire_engine'];
    expect(() => parseUnitNeeds(uncovered)).toThrow(/no listed unit kind brings medical/);
    const prefix = clone();
    prefix.unitKinds.police!.idPrefix = 'amb';
    expect(() => parseUnitNeeds(prefix)).toThrow(/idPrefix amb is used twice/);
  });
});
