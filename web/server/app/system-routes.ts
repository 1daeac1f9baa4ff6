/**
 * The server's own routes: health (for probes and load balancers), Prometheus metrics, and the
 * live figures of the status strip. Health and metrics need `probe` (loopback, a signed-in
 * admin or the probe token: auth/access-guard.ts).
 */
import type { StatsMessage } from '../../shared/protocol.ts';
import { route, type RawResponse, type Route } from './http-router.ts';
import { ClassifiedView } from '../live/live-stream.ts';
import type { TwinService } from '../live/twin-service.ts';

export interface HealthReport {
  status: 'ok' | 'degraded' | 'down';
  parts: Record<string, { status: 'ok' | 'degraded' | 'down'; detail?: string }>;
  version: string;
  uptimeS: number;
}

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
      permission: 'probe',
      tag: 'system',
      summary: 'Health of the broker connection, ClickHouse and the ingest',
      description:
        '200 with {"status":"ok"|"degraded", ...} when the broker and ClickHouse are reachable; 503 naming the failing part otherwise.',
      response: 'Health report',
      handler: async ({ res }) => {
        const report = await deps.health();
        res.writeHead(report.status === 'down' ? 503 : 200, {
          'content-type': 'application/json; charset=utf-8',
          'cache-control': 'no-store',
        });
        res.end(JSON.stringify(report));
      },
    }),
    route({
      method: 'GET',
      path: '/metrics',
      permission: 'probe',
      tag: 'system',
      summary: 'Prometheus metrics',
      response: 'Prometheus text exposition',
      handler: async (): Promise<RawResponse> => ({
        raw: true,
        contentType: 'text/plain; version=0.0.4; charset=utf-8',
        body: await deps.metricsText(),
      }),
    }),
    route({
      method: 'GET',
      path: '/api/stats',
      permission: 'stats.read',
      tag: 'system',
      summary: 'The live figures of the status strip (also pushed on the socket as `stats`)',
      response: "StatsMessage (sensor counts within the caller's clearance)",
      handler: ({ principal }) => {
        const all = deps.stats();
        if (!principal) return all;
        const feed = deps.twin.stream.feedFor(principal.clearance);
        return feed instanceof ClassifiedView ? { ...all, sensorsTotal: feed.size, byState: feed.countByState() } : all;
      },
    }),
  ];
}
