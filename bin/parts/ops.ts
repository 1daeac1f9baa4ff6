/**
 * A separate ingest worker's outside: health and metrics over HTTP (ingest/ops-server.ts), and
 * its counters on the system topic once a second for the web nodes' status strip
 * (ingest/ingest-stats.ts).
 */
import { type MqttSource, type OpsServer, sampleWorkerStats, startOpsServer } from '../../ingest/index.ts';
import type { HealthReport } from '../../web/server/app/api-routes.ts';
import { topics } from '../../twin-model/index.ts';
import { requestScope } from '../logger.ts';
import { type PartContext, partLog } from './context.ts';
import type { IngestPart } from './ingest.ts';
import { type Rate, storageState } from './node-view.ts';

/** How long the last stats wait for the final flush at shutdown. */
const FINAL_FLUSH_WAIT_MS = 5000;

export async function startOps(
  ctx: PartContext,
  endpoints: { health: () => Promise<HealthReport>; metricsText: () => Promise<string> },
): Promise<OpsServer> {
  const { config } = ctx;
  const log = partLog(ctx, 'ops');
  const ops = await startOpsServer({
    host: config.httpHost,
    port: config.httpPort,
    ...endpoints,
    probeToken: config.security.probeToken,
    aroundRequest: requestScope(log),
    log,
  });
  ctx.shutdown.add(() => ops.close());
  // The start-up banner (bin/citytwin.ts) names the same URL; process tests wait for it.
  log('info', `ingest worker ${config.workerId}: /api/health and /metrics served on ${ops.url}`);
  return ops;
}

/** The worker's counters on `citytwin/v1/system/ingest/{id}/stats` once a second, and once more at shutdown. */
export function publishWorkerStats(ctx: PartContext, part: IngestPart, source: MqttSource, rate: () => Rate): void {
  const { config } = ctx;
  const statsTopic = topics.ingestStats(config.workerId);
  const publish = () =>
    source.publish(
      statsTopic,
      JSON.stringify(sampleWorkerStats(part.ingest, config.workerId, ctx.startedAt, rate(), Date.now(), storageState(part))),
    );
  const timer = setInterval(publish, 1000);
  // Steps run in reverse, so this runs before the source stops: the last figures, taken after
  // a flush, go out while the connection is still open.
  ctx.shutdown.add(async () => {
    clearInterval(timer);
    await Promise.race([part.ingest.writer.flush(), new Promise((r) => setTimeout(r, FINAL_FLUSH_WAIT_MS))]);
    publish();
  });
}
