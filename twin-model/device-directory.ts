/**
 * Who a device is (contracts.md, "Devices as they come (v1.1)"): the names devices call
 * themselves (`externalIds`, e.g. the SenML base name `urn:dev:ow:10e2073a01080063:`), the kind
 * of each known sensor, and the vocabulary. The payload parsers ask it; the message router
 * teaches it from accepted meta messages; a process fills it at start from the city's
 * register and the stored bindings.
 *
 * Binding rules:
 * - An external id is compared without its trailing separators (`:` `/` `.`): a device that
 *   calls itself `urn:dev:ow:10e2073a01080063` and one whose base name is
 *   `urn:dev:ow:10e2073a01080063:` are the same device.
 * - The city's register decides first: an external id it gives a sensor stays that sensor's.
 *   A meta message may bind further external ids to its sensor, but not one bound to another
 *   sensor (the meta is rejected: a device cannot take over another device's readings).
 * - A resolved SenML name belongs to the sensor whose external id is its longest prefix ending
 *   at a separator (`:` `/` `.` `_` `-`), or equal to the whole name.
 */
import { ID_PATTERN } from './vocabulary.ts';
import { Vocabulary } from './vocabulary-registry.ts';

/** Separators between a device's name and the metric in a resolved SenML name. */
export const NAME_SEPARATORS = ':/._-';
/** Most external ids one sensor may carry. */
export const MAX_EXTERNAL_IDS = 16;
/** Longest external id. */
export const MAX_EXTERNAL_ID_LENGTH = 128;
/**
 * An external id: characters of a SenML name (RFC 8428 §4.5.1: `A-Z a-z 0-9 - : . / _`),
 * starting with a letter or digit.
 */
export const EXTERNAL_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9:./_-]{0,127}$/;

/** An external id without its trailing `:` `/` `.` (how ids are compared). */
export function normalizeExternalId(id: string): string {
  let end = id.length;
  while (end > 0 && ':/.'.includes(id.charAt(end - 1))) end--;
  return id.slice(0, end);
}

/**
 * The sensor id under which an unknown device's readings are kept: its name without trailing
 * separators, every character outside `[A-Za-z0-9._-]` replaced by `-`
 * (`urn:dev:ow:10e2073a01080063:` → `urn-dev-ow-10e2073a01080063`). A name longer than 64
 * characters keeps its first 55 and a hash of the whole (`…-1a2b3c4d`).
 */
export function deviceSensorId(deviceName: string): string {
  const base = normalizeExternalId(deviceName).replace(/[^A-Za-z0-9._-]/g, '-') || 'device';
  if (base.length <= 64) return base;
  let h = 0x811c9dc5;
  for (let i = 0; i < deviceName.length; i++) h = Math.imul(h ^ deviceName.charCodeAt(i), 0x01000193) >>> 0;
  return `${base.slice(0, 55)}-${h.toString(16).padStart(8, '0')}`;
}

export interface DirectoryEntry {
  id: string;
  /** The sensor kind (register or meta); absent when no meta came yet. */
  kind?: string;
  /** External ids from the city's register. */
  externalIds?: readonly string[];
  /** The source the register gives the sensor (sensors.csv `source`): its messages are counted under it. */
  sourceId?: string;
}

/** A binding learned from meta, to be kept by the process (storage) and given back at start. */
export interface ExternalIdBinding {
  sensorId: string;
  externalIds: string[];
}

export class DeviceDirectory {
  private readonly sensorOfName = new Map<string, string>();
  /** Names bound by the register (meta may not take them). */
  private readonly registerNames = new Set<string>();
  private readonly kindOfSensor = new Map<string, string>();
  /** Sensors of the city's register: their kind is the register's, whatever meta says. */
  private readonly registered = new Set<string>();
  private readonly namesOfSensor = new Map<string, string[]>();
  /** The register's source of each of its sensors. */
  private readonly sourceOfSensor = new Map<string, string>();
  private readonly bindingListeners = new Set<(b: ExternalIdBinding) => void>();
  private gatewayPolicy: ((gatewayId: string, sensorId: string) => boolean) | null = null;

  constructor(
    readonly vocabulary: Vocabulary = new Vocabulary(),
    register: readonly DirectoryEntry[] = [],
  ) {
    for (const s of register) {
      if (s.kind) {
        this.kindOfSensor.set(s.id, s.kind);
        this.registered.add(s.id);
      }
      if (s.sourceId) this.sourceOfSensor.set(s.id, s.sourceId);
      for (const name of s.externalIds ?? []) {
        const n = normalizeExternalId(name);
        if (!n || this.sensorOfName.has(n)) continue;
        this.sensorOfName.set(n, s.id);
        this.registerNames.add(n);
        this.namesOfSensor.set(s.id, [...(this.namesOfSensor.get(s.id) ?? []), n]);
      }
    }
  }

  /** The kind of a sensor (register or meta), or undefined before its meta. */
  kindOf(sensorId: string): string | undefined {
    return this.kindOfSensor.get(sensorId);
  }

  /** The source the city's register gives a sensor, or undefined (not in the register, or none given). */
  registerSourceOf(sensorId: string): string | undefined {
    return this.sourceOfSensor.get(sensorId);
  }

  /** Whether the sensor is known (registered by the city or by a meta message). */
  isKnownSensor(sensorId: string): boolean {
    return this.kindOfSensor.has(sensorId);
  }

  /** The external ids of a sensor (normalized). */
  externalIdsOf(sensorId: string): readonly string[] {
    return this.namesOfSensor.get(sensorId) ?? [];
  }

  /** The sensor an external id names, or undefined. */
  sensorOf(externalId: string): string | undefined {
    return this.sensorOfName.get(normalizeExternalId(externalId));
  }

  /**
   * The sensor a resolved SenML name belongs to through an external id — the longest external
   * id that is the whole name or a prefix ending at a separator — and the rest of the name
   * after that separator (`''` when the name is the device's name alone).
   */
  matchName(resolved: string, only?: string): { sensorId: string; rest: string } | null {
    if (this.sensorOfName.size === 0) return null;
    const whole = normalizeExternalId(resolved);
    const direct = this.sensorOfName.get(whole);
    if (direct !== undefined && (only === undefined || direct === only)) return { sensorId: direct, rest: '' };
    for (let i = resolved.length - 1; i > 0; i--) {
      if (!NAME_SEPARATORS.includes(resolved.charAt(i))) continue;
      const sensorId = this.sensorOfName.get(normalizeExternalId(resolved.slice(0, i)));
      if (sensorId !== undefined && (only === undefined || sensorId === only)) return { sensorId, rest: resolved.slice(i + 1) };
    }
    return null;
  }

  /**
   * Problems of binding `externalIds` to `sensorId` (an id bound to another sensor, a bad id);
   * empty = they may be bound.
   */
  checkBinding(sensorId: string, externalIds: readonly string[]): string[] {
    const problems: string[] = [];
    if (externalIds.length > MAX_EXTERNAL_IDS) problems.push(`externalIds: ${externalIds.length} ids; at most ${MAX_EXTERNAL_IDS}`);
    for (const id of externalIds) {
      if (!EXTERNAL_ID_PATTERN.test(id)) {
        problems.push(
          `externalIds: ${JSON.stringify(id.slice(0, 80))} is not a device name (1-128 of A-Z a-z 0-9 - : . / _, starting with a letter or digit)`,
        );
        continue;
      }
      const owner = this.sensorOfName.get(normalizeExternalId(id));
      if (owner !== undefined && owner !== sensorId) problems.push(`externalIds: ${JSON.stringify(id)} is the name of sensor ${owner}`);
    }
    return problems;
  }

  /**
   * What an accepted meta message teaches: the sensor's kind and external ids (checked with
   * {@link checkBinding} before). A deregistration forgets the kind, not the names.
   */
  learnMeta(sensorId: string, meta: { kind: string; externalIds?: readonly string[] } | null): void {
    if (this.registered.has(sensorId)) {
      // The register decides the kind, and device meta cannot deregister (sensor-register.ts).
      if (meta?.externalIds?.length) this.bind(sensorId, meta.externalIds, true);
      return;
    }
    if (!meta) {
      this.kindOfSensor.delete(sensorId);
      return;
    }
    this.kindOfSensor.set(sensorId, meta.kind);
    if (meta.externalIds?.length) this.bind(sensorId, meta.externalIds, true);
  }

  /** Binds names learned earlier (stored bindings at start) or from meta; names taken by another sensor are skipped. */
  bind(sensorId: string, externalIds: readonly string[], announce = false): void {
    const added: string[] = [];
    for (const id of externalIds) {
      const n = normalizeExternalId(id);
      if (!n || !EXTERNAL_ID_PATTERN.test(n)) continue;
      const owner = this.sensorOfName.get(n);
      if (owner !== undefined) continue;
      this.sensorOfName.set(n, sensorId);
      this.namesOfSensor.set(sensorId, [...(this.namesOfSensor.get(sensorId) ?? []), n]);
      added.push(n);
    }
    if (announce && added.length) {
      const binding = { sensorId, externalIds: [...this.externalIdsOf(sensorId)] };
      for (const l of this.bindingListeners) l(binding);
    }
  }

  /**
   * A sensors register put in force while running (a sensors.csv imported at run time): each
   * site's kind and external ids become the register's (a name the register gives wins over a
   * binding meta made; names the register no longer gives the sensor are freed), and the retired
   * sensors are no longer registered.
   */
  applyRegister(sites: readonly DirectoryEntry[], retired: readonly string[]): void {
    for (const id of retired) {
      this.registered.delete(id);
      this.kindOfSensor.delete(id);
      this.sourceOfSensor.delete(id);
      this.dropRegisterNames(id, new Set());
    }
    for (const s of sites) {
      if (s.kind) {
        this.kindOfSensor.set(s.id, s.kind);
        this.registered.add(s.id);
      }
      if (s.sourceId) this.sourceOfSensor.set(s.id, s.sourceId);
      const names = new Set((s.externalIds ?? []).map(normalizeExternalId).filter((n) => n !== ''));
      this.dropRegisterNames(s.id, names);
      for (const n of names) {
        const owner = this.sensorOfName.get(n);
        if (owner === s.id) continue;
        if (owner !== undefined)
          this.namesOfSensor.set(
            owner,
            (this.namesOfSensor.get(owner) ?? []).filter((x) => x !== n),
          );
        this.sensorOfName.set(n, s.id);
        this.registerNames.add(n);
        this.namesOfSensor.set(s.id, [...(this.namesOfSensor.get(s.id) ?? []), n]);
      }
    }
  }

  /** Frees the register's names of a sensor that are not in `keep`. */
  private dropRegisterNames(sensorId: string, keep: ReadonlySet<string>): void {
    const names = this.namesOfSensor.get(sensorId) ?? [];
    const gone = names.filter((n) => this.registerNames.has(n) && !keep.has(n));
    if (gone.length === 0) return;
    for (const n of gone) {
      this.sensorOfName.delete(n);
      this.registerNames.delete(n);
    }
    this.namesOfSensor.set(
      sensorId,
      names.filter((n) => !gone.includes(n)),
    );
  }

  /** Called when meta binds new external ids (the process stores them). */
  onBinding(listener: (b: ExternalIdBinding) => void): () => void {
    this.bindingListeners.add(listener);
    return () => this.bindingListeners.delete(listener);
  }

  /**
   * Which sensors a gateway may speak for on its gateway topic (the broker's credentials):
   * without a policy every gateway may speak for every sensor (as anonymous loopback clients
   * may on the sensor topics).
   */
  setGatewayPolicy(policy: ((gatewayId: string, sensorId: string) => boolean) | null): void {
    this.gatewayPolicy = policy;
  }

  gatewayMay(gatewayId: string, sensorId: string): boolean {
    return this.gatewayPolicy ? this.gatewayPolicy(gatewayId, sensorId) : true;
  }

  /** Whether `id` is a valid sensor id of the v1 contract. */
  static isSensorId(id: string): boolean {
    return ID_PATTERN.test(id);
  }
}
