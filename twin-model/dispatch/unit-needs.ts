/**
 * Which units respond to which incident: data in `unit-needs.json`, validated here with zod
 * at load (a bad file stops start-up with the field that is wrong). Per unit kind: its
 * capabilities, the station asset it is based at, its name words and default fleet count.
 * Per incident type: the capabilities it needs (the first is the primary one), the unit kinds
 * that may respond (preferred first) and the typical minutes on scene.
 */
import { z } from 'zod';
import { INCIDENT_TYPES, type IncidentType } from '../vocabulary.ts';
import { CAPABILITIES, UNIT_KINDS, type Capability, type IncidentNeeds, type UnitKind } from './unit-types.ts';
import unitNeedsDoc from './unit-needs.json' with { type: 'json' };

const STATION_KINDS = ['pump_depot', 'fire_station', 'hospital', 'police_station'] as const;
export type StationKind = (typeof STATION_KINDS)[number];

const unitKindSchema = z.object({
  capabilities: z.array(z.enum(CAPABILITIES)).min(1),
  station: z.enum(STATION_KINDS),
  nameZh: z.string().min(1),
  nameEn: z.string().min(1),
  idPrefix: z.string().regex(/^[a-z][a-z0-9]{0,15}$/),
  defaultCount: z.number().int().min(0).max(10_000),
});

const needsSchema = z.object({
  capabilities: z.array(z.enum(CAPABILITIES)),
  unitKinds: z.array(z.enum(UNIT_KINDS)),
  onSceneMin: z
    .number()
    .min(0)
    .max(24 * 60),
});

export const unitNeedsSchema = z
  .object({
    description: z.string().optional(),
    unitKinds: z.record(z.enum(UNIT_KINDS), unitKindSchema),
    incidentTypes: z.record(z.enum(INCIDENT_TYPES), needsSchema),
  })
  .superRefine((doc, ctx) => {
    for (const kind of UNIT_KINDS) {
      if (!doc.unitKinds[kind]) ctx.addIssue({ code: 'custom', path: ['unitKinds', kind], message: `unit kind ${kind} is missing` });
    }
    const prefixes = new Set<string>();
    for (const [kind, spec] of Object.entries(doc.unitKinds)) {
      if (prefixes.has(spec.idPrefix))
        ctx.addIssue({ code: 'custom', path: ['unitKinds', kind, 'idPrefix'], message: `idPrefix ${spec.idPrefix} is used twice` });
      prefixes.add(spec.idPrefix);
    }
    for (const type of INCIDENT_TYPES) {
      const needs = doc.incidentTypes[type];
      if (!needs) {
        ctx.addIssue({ code: 'custom', path: ['incidentTypes', type], message: `incident type ${type} is missing` });
        continue;
      }
      if (new Set(needs.capabilities).size !== needs.capabilities.length)
        ctx.addIssue({ code: 'custom', path: ['incidentTypes', type, 'capabilities'], message: 'a capability is listed twice' });
      for (const [i, kind] of needs.unitKinds.entries()) {
        const caps = doc.unitKinds[kind]?.capabilities ?? [];
        if (!caps.some((c) => needs.capabilities.includes(c))) {
          ctx.addIssue({
            code: 'custom',
            path: ['incidentTypes', type, 'unitKinds', i],
            message: `${kind} brings none of the capabilities ${type} needs`,
          });
        }
      }
      for (const cap of needs.capabilities) {
        if (!needs.unitKinds.some((k) => doc.unitKinds[k]?.capabilities.includes(cap))) {
          ctx.addIssue({ code: 'custom', path: ['incidentTypes', type, 'capabilities'], message: `no listed unit kind brings ${cap}` });
        }
      }
    }
  });

export type UnitNeedsDocument = z.infer<typeof unitNeedsSchema>;
export type UnitKindSpec = z.infer<typeof unitKindSchema>;

export class UnitNeedsError extends Error {}

/** Validates a unit-needs document; the error names the field. */
export function parseUnitNeeds(doc: unknown, name = 'unit-needs.json'): UnitNeedsDocument {
  const result = unitNeedsSchema.safeParse(doc);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new UnitNeedsError(`${name} is not valid: ${issues}`);
  }
  return result.data;
}

/** The shipped data (twin-model/dispatch/unit-needs.json). */
export const UNIT_NEEDS: UnitNeedsDocument = parseUnitNeeds(unitNeedsDoc);

/** What an incident type needs (capabilities in order of importance, unit kinds, minutes on scene). */
export function needsOf(type: IncidentType): IncidentNeeds {
  const needs = UNIT_NEEDS.incidentTypes[type];
  if (!needs) throw new UnitNeedsError(`no unit needs for incident type ${type}`);
  return { type, capabilities: [...needs.capabilities], unitKinds: [...needs.unitKinds], onSceneMin: needs.onSceneMin };
}

/** Static facts of a unit kind: capabilities, station kind, name words, default count. */
export function unitKindSpec(kind: UnitKind): UnitKindSpec {
  const spec = UNIT_NEEDS.unitKinds[kind];
  if (!spec) throw new UnitNeedsError(`no spec for unit kind ${kind}`);
  return spec;
}

/** The capabilities a unit of this kind brings. */
export function capabilitiesOf(kind: UnitKind): Capability[] {
  return [...unitKindSpec(kind).capabilities];
}
