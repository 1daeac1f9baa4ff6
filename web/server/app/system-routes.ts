/**
 * The server's own routes: health (for probes and load balancers), Prometheus metrics, and the
 * live figures of the status strip. Health and metrics need `probe` (loopback, a signed-in
 * admin or the probe token: auth/access-guard.ts).
 */
import { z } from 'zod';
import { statsMessageSchema } from '../../shared/api-schemas.ts';
import type { StatsMessage } from '../../shared/protocol.ts';
import { route, type RawResponse, type Route } from './http-router.ts';
import { ClassifiedView } from '../live/live-stream.ts';
import type { TwinService } from '../live/twin-service.ts';

const partStatus = z.enum(['ok', 'degraded', 'down']);
/** `GET /api/health`: the process and each part it depends on (503 when `down`). */
const healthReportSchema = z.object({
  status: partStatus,
  parts: z.record(z.string(), z.object({ status: partStatus, detail: z.string().optional() })),
  version: z.string(),
  uptimeS: z.number(),
});
export type HealthReport = z.infer<typeof healthReportSchema>;

export interface SystemRoutesDeps {
  twin: TwinService;
  stats: () => StatsMessage;
  health: () => Promise<HealthReport>;
  metricsText: () => Promise<string>;
}

export function systemRoutes(deps: SystemRoutesDeps): Route[] {
  return [
    route({
      method: 'GET',
      path: '/api/health',
      operationId: 'getHealth',
      response: healthReportSchema,
      permission: 'probe',
      tag: 'system',
      summary: 'Health of the broker connection, ClickHouse and the ingest',
      description:
        '200 with {"status":"ok"|"degraded", ...} when the broker and ClickHouse are reachable; 503 naming the failing part otherwise.',
      returns: 'Health report',
      handler: async ({ res }) => {
        const report = await deps.health();
        res.writeHead(report.status === 'down' ? 503 : 200, {
          'content-type': 'application/json; charset=utf-8',
          'cache-control': 'no-store',
        });
        res.end(JSON.stringify(report));
        return undefined;
      },
    }),
    route({
      method: 'GET',
      path: '/metrics',
      operationId: 'getMetrics',
      response: z.never(),
      permission: 'probe',
      tag: 'system',
      summary: 'Prometheus metrics',
      returns: 'Prometheus text exposition',
      media: ['text/plain; version=0.0.4'],
      handler: async (): Promise<RawResponse> => ({
        raw: true,
        contentType: 'text/plain; version=0.0.4; charset=utf-8',
        body: await deps.metricsText(),
      }),
    }),
    route({
      method: 'GET',
      path: '/api/stats',
      operationId: 'getStats',
      response: statsMessageSchema,
      permission: 'stats.read',
      tag: 'system',
      summary: 'The live figures of the status strip (also pushed on the socket as `stats`)',
      returns: "StatsMessage (sensor counts within the caller's clearance)",
      handler: ({ principal }) => {
        const all = deps.stats();
        if (!principal) return all;
        const feed = deps.twin.stream.feedFor(principal.clearance);
        return feed instanceof ClassifiedView ? { ...all, sensorsTotal: feed.size, byState: feed.countByState() } : all;
      },
    }),
  ];
}
