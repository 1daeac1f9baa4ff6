/** Where an incident is, in words (the queue's rows and the incident detail). */
import type { IncidentView } from '../../shared/protocol.ts';

/**
 * Where an incident is, for a person: its district's and its asset's names ("汉阳区 · 汉阳区下穿通道
 * 04"), the codes only while the names are unknown, else its coordinates.
 */
export function incidentPlace(
  i: Pick<IncidentView, 'district' | 'assetId' | 'lng' | 'lat'>,
  districtName: (code: string | null) => string | null,
  assetName: (id: string | null) => string | null,
): string {
  const district = districtName(i.district) ?? i.district ?? '';
  const asset = i.assetId ? (assetName(i.assetId) ?? i.assetId) : '';
  return [district, asset].filter(Boolean).join(' · ') || `${i.lng.toFixed(3)}, ${i.lat.toFixed(3)}`;
}
