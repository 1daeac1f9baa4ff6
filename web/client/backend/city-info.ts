/**
 * The city the server runs (`GET /api/city`): its names for the header and the KPI title, its
 * initial map view, and the IANA time zone the console shows times in. Fetched once per page.
 */
import type { CityInfo } from '../../shared/protocol.ts';
import { authHeaders } from './session.ts';

let pending: Promise<CityInfo | null> | null = null;

/** The city, or null when the server has none or cannot be asked (the page then keeps its defaults). */
export function loadCityInfo(): Promise<CityInfo | null> {
  if (!pending) {
    pending = fetch('/api/city', { headers: { accept: 'application/json', ...authHeaders() } })
      .then(async (res) => (res.ok ? ((await res.json()) as CityInfo) : null))
      .catch(() => null)
      .then((info) => {
        // A failed answer is asked again next time.
        if (!info) pending = null;
        return info;
      });
  }
  return pending;
}
