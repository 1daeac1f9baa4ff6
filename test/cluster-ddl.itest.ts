/**
 * The cluster-mode DDL (CITYTWIN_CLICKHOUSE_CLUSTER) through ClickHouse's own parser. There is
 * no cluster here, so the statements cannot run; `formatQuery` parses each one with the real
 * engine (embedded chdb) and fails on any syntax ClickHouse would refuse.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createClickHouse, MIGRATIONS, queryRows } from '../storage/index.ts';
import { clusterMigrationsTable, clusterStatements, createdTables } from '../storage/cluster-ddl.ts';
import { tempDir } from './support/fixtures.ts';

describe('cluster DDL parsed by ClickHouse', () => {
  const dir = tempDir('cluster-ddl');
  const client = createClickHouse({ url: null, dataDir: dir.path });
  afterAll(async () => {
    await client.close();
    dir.remove();
  });

  it('parses every translated migration statement', async () => {
    const all = MIGRATIONS.flatMap((m) => m.statements);
    const tables = createdTables(all);
    const statements = [clusterMigrationsTable('citytwin'), ...all.flatMap((s) => clusterStatements(s, { cluster: 'citytwin', tables }))];
    for (const q of statements) {
      const [row] = await queryRows<{ f: string }>(client, 'SELECT formatQuery({q:String}) AS f', { q });
      expect(row!.f, q.slice(0, 120)).toContain('ON CLUSTER citytwin');
    }
    expect(statements.length).toBeGreaterThan(all.length);
  });
});
