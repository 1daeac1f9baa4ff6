/**
 * Road restrictions kept up to date as incidents change: each active incident's closures and
 * slow-downs ({@link incidentRestrictions}) are kept with a signature of what they depend on
 * (status, type, severity, place, asset, district, the evidence's sensors and assets) and
 * worked out again only when it changes; the whole is merged from the kept parts in the
 * incidents' order, so the answer is what {@link restrictionsFromIncidents} gives. A change
 * of the city's graph, assets or sensor sites starts over.
 */
import type { CityModel, SensorSite } from '../city/city-types.ts';
import type { Incident } from '../incidents/incident-correlator.ts';
import { assetsById, incidentRestrictions, type IncidentRestrictions, mergeRestrictions } from './road-restrictions.ts';
import type { RoadRestrictions } from './unit-types.ts';

/** What an incident's restrictions depend on, as one string. */
function signature(incident: Incident): string {
  let sig = `${incident.status}|${incident.type}|${incident.severity}|${incident.lng}|${incident.lat}|${incident.district ?? ''}|${incident.assetId ?? ''}`;
  for (const e of incident.evidence) sig += `|${e.sensorId ?? ''}/${e.sensorKind ?? ''}/${e.assetId ?? ''}`;
  return sig;
}

export class RestrictionsMemo {
  private graph: CityModel['graph'] | null = null;
  private assetList: CityModel['assets'] | null = null;
  private siteList: CityModel['sensorSites'] | null = null;
  private sites = new Map<string, SensorSite>();
  private assets = new Map<string, CityModel['assets'][number]>();
  private readonly parts = new Map<string, { sig: string; part: IncidentRestrictions }>();
  /** Incidents whose restrictions were worked out (again), for tests and diagnostics. */
  computed = 0;

  /** Were the kept parts worked out on this city's graph, assets and sensor sites? */
  current(city: CityModel): boolean {
    return city.graph === this.graph && city.assets === this.assetList && city.sensorSites === this.siteList;
  }

  /** The restrictions of `incidents` in `city` (an import that replaces its graph, assets or sensor sites starts over). */
  restrictions(incidents: Iterable<Incident>, city: CityModel): RoadRestrictions {
    if (!this.current(city)) {
      this.graph = city.graph;
      this.assetList = city.assets;
      this.siteList = city.sensorSites;
      this.sites = new Map(city.sensorSites.map((s) => [s.id, s]));
      this.assets = assetsById(city);
      this.parts.clear();
    }
    const siteOf = (id: string) => this.sites.get(id);
    const inForce: IncidentRestrictions[] = [];
    const seen = new Set<string>();
    for (const incident of incidents) {
      const sig = signature(incident);
      let kept = this.parts.get(incident.id);
      if (kept?.sig !== sig) {
        kept = { sig, part: incidentRestrictions(incident, city, this.assets, siteOf) };
        this.parts.set(incident.id, kept);
        this.computed++;
      }
      seen.add(incident.id);
      inForce.push(kept.part);
    }
    for (const id of this.parts.keys()) if (!seen.has(id)) this.parts.delete(id);
    return mergeRestrictions(inForce);
  }
}
