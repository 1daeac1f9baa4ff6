/**
 * The KPI screen's hours are the city's own clock hours, also where its offset has minutes: on
 * Asia/Kolkata (UTC+5:30) a hotline report and an incident at 20:20 local time count in the
 * 20:00 slot, not in 19:00 (the UTC hour 14:00 they fall in, shifted). Stored through the real
 * sink and incident store into the embedded ClickHouse engine, read back by the KPI store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClickHouseSink, createClickHouse, emptyBatch, IncidentStore, runMigrations } from '../storage/index.ts';
import { KpiStore } from '../storage/kpi-store.ts';
import type { IncidentChange } from '../twin-model/incidents/incident-types.ts';
import type { CityModel } from '../twin-model/index.ts';
import type { Principal } from '../web/server/auth/auth-types.ts';
import { kpiWindows } from '../web/server/kpi/kpi-model.ts';
import { KpiService } from '../web/server/kpi/kpi-service.ts';
import { tempDir } from './support/fixtures.ts';

const dir = tempDir('kpi-local-hours');
const client = createClickHouse({ url: null, dataDir: dir.path });
const HOUR = 3_600_000;
/** 2026-12-05 20:20 in Asia/Kolkata = 14:50 UTC; 20:40 local = 15:10 UTC (another UTC hour, the same local one). */
const AT = Date.UTC(2026, 11, 5, 15, 20);
const REPORTS = [Date.UTC(2026, 11, 5, 14, 50), Date.UTC(2026, 11, 5, 15, 10), Date.UTC(2026, 11, 5, 14, 20)];

function incidentOpened(id: string, openedAt: number): IncidentChange {
  const incident = {
    id,
    type: 'waterlogging',
    status: 'open',
    lng: 73.241,
    lat: 17.2468,
    district: 'ribeira',
    severity: 3,
    severityPinned: false,
    confidence: 0.7,
    openedAt,
    updatedAt: openedAt,
    lastEvidenceAt: openedAt,
    resolutionProposed: false,
    evidence: [],
  };
  return { incidentId: id, at: openedAt, actor: 'twin', what: 'opened', detail: '', incident } as unknown as IncidentChange;
}

beforeAll(async () => {
  await runMigrations(client);
  const batch = emptyBatch('kpi-local-hours-1');
  for (const [i, ts] of REPORTS.entries()) {
    batch.events.push({
      source: 'hotline-12345',
      id: `hl-${i}`,
      ts,
      type: 'citizen_report',
      category: 'noise',
      lng: 73.25,
      lat: 17.25,
      severity: null,
      text: '',
      receivedAt: ts,
    });
  }
  await new ClickHouseSink(client, { distributed: false }).write(batch);
  const incidents = new IncidentStore(client);
  await incidents.init();
  await incidents.append(REPORTS.map((ts, i) => incidentOpened(`inc-00000${i + 1}`, ts)));
});

afterAll(async () => {
  await client.close();
  dir.remove();
});

describe('KPI hours on a city clock with a half-hour offset (Asia/Kolkata)', () => {
  const w = kpiWindows(AT, 'Asia/Kolkata');
  const slot = (hour: number) => w.dayStart + hour * HOUR;

  it('starts the day at local midnight, half past a UTC hour', () => {
    expect(w.dayStart).toBe(Date.UTC(2026, 11, 4, 18, 30));
  });

  it('counts hotline reports in the local hour they were made', async () => {
    const rows = await new KpiStore(client).hotlineByHour(w);
    expect(rows).toEqual([
      { hour: slot(19), category: 'noise', n: 1 },
      { hour: slot(20), category: 'noise', n: 2 },
    ]);
  });

  it('counts incidents in the local hour they were detected', async () => {
    const byHour = await new KpiStore(client).incidentsByHour(w);
    expect(byHour.today).toEqual([
      { hour: slot(19), n: 1 },
      { hour: slot(20), n: 2 },
    ]);
    expect(byHour.todaySoFar).toBe(3);
  });

  it('keeps whole-hour zones on the same hours (Asia/Shanghai: 22:50 and 23:10 are two hours)', async () => {
    const sh = kpiWindows(AT, 'Asia/Shanghai');
    const rows = await new KpiStore(client).hotlineByHour(sh);
    expect(rows).toEqual([
      { hour: sh.dayStart + 22 * HOUR, category: 'noise', n: 2 },
      { hour: sh.dayStart + 23 * HOUR, category: 'noise', n: 1 },
    ]);
    const byHour = await new KpiStore(client).incidentsByHour(sh);
    expect(byHour.today).toEqual([
      { hour: sh.dayStart + 22 * HOUR, n: 2 },
      { hour: sh.dayStart + 23 * HOUR, n: 1 },
    ]);
  });
});

describe('the hotline drill-down of today without an hour (Asia/Kolkata)', () => {
  const city = { timezone: 'Asia/Kolkata', sources: [], districts: [], sensorSites: [] } as unknown as CityModel;
  const service = new KpiService({ clickhouse: client, city, stats: () => ({}) as never });
  const leader: Principal = {
    username: 'leader',
    roles: ['leader'],
    via: 'token',
    tokenId: 't',
    clearance: ['public', 'internal', 'sensitive'],
  };

  it("ends where the summary's current hour ends: the city's hour, not the UTC one", async () => {
    // 14:40 UTC is 20:10 in Kolkata: the current local hour runs to 15:30 UTC, the UTC hour only to 15:00.
    const at = Date.UTC(2026, 11, 5, 14, 40);
    const w = kpiWindows(at, 'Asia/Kolkata');
    const counted = (await new KpiStore(client).hotlineByHour(w)).filter((r) => r.hour >= w.dayStart).reduce((s, r) => s + r.n, 0);
    const drill = await service.drill('hotline', { day: 'today', limit: 500, at }, leader);
    expect(counted).toBe(3);
    expect(drill.rows.map((r) => r.ts)).toEqual([...REPORTS].sort((a, b) => a - b));
    expect(drill.total + drill.hidden).toBe(counted);
  });
});
