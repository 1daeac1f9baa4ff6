/**
 * Notification configuration as stored JSON (channels, contacts, subscriptions, escalation
 * policies, rosters in their tables, migration 13): each row carries the schema version of its
 * document; reading validates it with the domain's zod schema after upgrading it, one version
 * at a time, with the explicit upgraders below (kepler.gl's schema versions). Version 1 is the
 * first stored form, so there is no upgrader yet; a change to a document's shape adds one here
 * (from the old version to the next) with its unit test, and raises the current version.
 */
import { parseNotifyDoc, type NotifyConfigDoc, type NotifyConfigKind } from '../twin-model/index.ts';

/** The version written with every document. */
export const NOTIFY_CONFIG_SCHEMA_VERSION = 1;

/** Turns a document of version `from` into version `from + 1` (for one kind or all). */
export type NotifyConfigUpgrader = (kind: NotifyConfigKind, doc: Record<string, unknown>) => Record<string, unknown>;

/** Upgraders by the version they upgrade from. */
export const NOTIFY_CONFIG_UPGRADERS: Readonly<Record<number, NotifyConfigUpgrader>> = {};

export class StoredConfigError extends Error {}

/**
 * The stored document brought to the current version and validated. Refused with the kind, the
 * id and the reason when its version is unknown (newer than this program, or with no upgrader)
 * or when it does not validate.
 */
export function readStoredConfig<K extends NotifyConfigKind>(
  kind: K,
  id: string,
  version: number,
  json: string,
  upgraders: Readonly<Record<number, NotifyConfigUpgrader>> = NOTIFY_CONFIG_UPGRADERS,
  current: number = NOTIFY_CONFIG_SCHEMA_VERSION,
): NotifyConfigDoc<K> {
  const name = `stored ${kind} ${JSON.stringify(id)}`;
  if (!Number.isInteger(version) || version < 1 || version > current)
    throw new StoredConfigError(`${name} has schema version ${version}; this CityTwin reads versions 1 to ${current}`);
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (e) {
    throw new StoredConfigError(`${name} is not JSON: ${(e as Error).message}`);
  }
  for (let v = version; v < current; v++) {
    const upgrade = upgraders[v];
    if (!upgrade) throw new StoredConfigError(`${name} has schema version ${version} and there is no upgrader from version ${v}`);
    if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new StoredConfigError(`${name} is not a JSON object`);
    doc = upgrade(kind, doc as Record<string, unknown>);
  }
  try {
    return parseNotifyDoc(kind, doc, name);
  } catch (e) {
    throw new StoredConfigError((e as Error).message);
  }
}
