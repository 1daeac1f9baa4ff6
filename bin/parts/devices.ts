/**
 * Devices as they come (docs/ingest.md): the vocabulary (v1, the city's declared kinds, and
 * those declared since by an administrator or a meta message) and the device directory (the
 * register's external ids and those bound since by meta), shared by the ingest and the twin of
 * this process. What meta and administrators add is stored, so that every process reads the
 * same devices the same way after a restart.
 */
import { gatewaySensorPolicy, loadGatewayCredentials } from '../../ingest/broker/device-acl.ts';
import { VocabularyStore, type StorageClient } from '../../storage/index.ts';
import { type CityModel, DeviceDirectory, Vocabulary } from '../../twin-model/index.ts';
import { type PartContext, partLog } from './context.ts';

export interface DevicesPart {
  directory: DeviceDirectory;
  vocabulary: Vocabulary;
  store: VocabularyStore;
}

/** Builds the vocabulary and the directory from the city and what is stored; persists what is learned from now on. */
export async function openDevices(ctx: PartContext, clickhouse: StorageClient, city: CityModel | null): Promise<DevicesPart> {
  const log = partLog(ctx, 'devices');
  const vocabulary = Vocabulary.of(city?.vocabulary ?? [], 'package');
  const register = [...(city?.sensorSites ?? []), ...(city?.declaredSensorSites ?? [])];
  const directory = new DeviceDirectory(vocabulary, register);
  const store = new VocabularyStore(clickhouse);
  let declared = 0;
  for (const k of await store.kinds()) {
    const r = vocabulary.declare(k.declaration, k.origin);
    if (r.ok) declared++;
    else
      log(
        'warn',
        `stored kind ${k.declaration.kind} (declared by ${k.declaredBy}) no longer fits the vocabulary: ${r.problems.join('; ')}`,
      );
  }
  const bindings = await store.bindings();
  for (const b of bindings) directory.bind(b.sensorId, b.externalIds);
  if (declared || bindings.length)
    log('info', `devices: ${declared} declared kinds and ${bindings.length} device-name bindings from storage`);
  const credentials = ctx.config.security.mqttCredentialsFile;
  // The records of a gateway's pack may speak only for the sensors its credentials allow.
  if (credentials) directory.setGatewayPolicy(gatewaySensorPolicy(loadGatewayCredentials(credentials)));

  // Kinds meta declares and names meta binds are stored as they are learned. (Administrators'
  // declarations are stored by their route, with who declared them.)
  vocabulary.onDeclared((kind, by) => {
    if (by !== 'meta') return;
    const declaration = vocabulary.declarationOf(kind.kind);
    if (!declaration) return;
    store
      .saveKind({ declaration, origin: 'meta', declaredBy: 'meta', declaredAt: Date.now() })
      .catch((err: Error) => log('warn', `storing kind ${kind.kind}: ${err.message}`));
  });
  directory.onBinding((b) => {
    store.saveBinding(b, Date.now()).catch((err: Error) => log('warn', `storing the device names of ${b.sensorId}: ${err.message}`));
  });
  return { directory, vocabulary, store };
}
