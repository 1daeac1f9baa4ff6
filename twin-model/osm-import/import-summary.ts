/** The import's summary for people: counts per layer, what was dropped and why, warnings. */
import type { ImportReport, LayerName } from './osm-package-types.ts';

const LAYERS: readonly LayerName[] = ['districts', 'roads', 'water', 'assets', 'buildings'];

/** Why-texts of the drop reasons (codes stay in the report; this is the wording). */
const REASONS: Readonly<Record<string, string>> = {
  not_for_vehicles: 'footway, path, cycleway, steps or similar (not for vehicles)',
  not_open: 'under construction, proposed or abandoned',
  track: 'track (farm or forest track)',
  area: 'highway mapped as an area',
  unknown_highway: 'highway value not mapped',
  outside_bbox: 'no node inside --bbox',
  missing_nodes: 'nodes missing from the data',
  missing_member: 'member way missing from the data',
  open_ring: 'ring not closed',
  no_outer_ring: 'no outer ring',
  not_assembled: 'boundary could not be assembled',
};

export function formatImportReport(report: ImportReport): string {
  const lines: string[] = [];
  lines.push(`imported: ${LAYERS.map((l) => `${l} ${report.counts[l]}`).join(', ')} (from ${report.roadWays} road ways)`);
  lines.push(`bbox: ${report.bbox.join(',')}`);
  if (report.adminLevels.length > 0) {
    const seen = report.adminLevels.map((l) => `${l.level}: ${l.assembled}/${l.boundaries}`).join(', ');
    lines.push(
      `admin levels (assembled/found): ${seen}; districts from ${report.adminLevel === null ? 'the bbox' : `admin_level ${report.adminLevel}`}`,
    );
  } else lines.push('admin levels: none found; districts from the bbox');
  if (report.dropped.length === 0) lines.push('dropped: nothing');
  else {
    lines.push('dropped:');
    for (const d of report.dropped) lines.push(`  ${d.layer.padEnd(10)} ${String(d.count).padStart(7)}  ${REASONS[d.reason] ?? d.reason}`);
  }
  for (const w of report.warnings) lines.push(`warning: ${w}`);
  return `${lines.join('\n')}\n`;
}
