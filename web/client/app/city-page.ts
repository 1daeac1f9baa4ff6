/**
 * The start of a page that shows times (cases, field, operations, administration): signed in
 * (sign-in.ts), then its times on the city's clock (GET /api/city), whatever the browser's zone.
 */
import type { CityInfo } from '../../shared/protocol.ts';
import { loadCityInfo } from '../backend/city-info.ts';
import type { Me } from '../backend/session.ts';
import { showTimesIn } from '../i18n/format.ts';
import { startPage } from './sign-in.ts';

/** Starts a page once signed in and once the city's time zone is known (the browser's without a city). */
export function startCityPage(start: (me: Me, city: CityInfo | null) => void): void {
  startPage(
    (me) =>
      void loadCityInfo().then((city) => {
        showTimesIn(city?.timezone ?? null);
        start(me, city);
      }),
  );
}
