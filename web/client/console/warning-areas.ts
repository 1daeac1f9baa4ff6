/**
 * The official warnings in force and the city's own published alerts, for the map: fetched from
 * `GET /api/cap/warnings` when the console starts and every {@link WARNING_REFRESH_MS} (warnings
 * change a few times a day; a new one shows within that time).
 */
import type { WarningAreaView } from '../../shared/cap-protocol.ts';
import { authHeaders } from '../backend/session.ts';

export const WARNING_REFRESH_MS = 30_000;

export class WarningAreas {
  /** Grows when the areas change (the map redraws then). */
  version = 0;
  private areas: WarningAreaView[] = [];
  private key = '';

  constructor(private readonly onChange: () => void) {}

  list(): readonly WarningAreaView[] {
    return this.areas;
  }

  start(): void {
    void this.refresh();
    window.setInterval(() => void this.refresh(), WARNING_REFRESH_MS);
  }

  private async refresh(): Promise<void> {
    try {
      const res = await fetch('/api/cap/warnings', { headers: { accept: 'application/json', ...authHeaders() } });
      if (!res.ok) return;
      const body = (await res.json()) as unknown;
      if (!Array.isArray(body)) return;
      const key = body.map((w: WarningAreaView) => `${w.key}:${w.active}`).join('|');
      if (key === this.key) return;
      this.key = key;
      this.areas = body as WarningAreaView[];
      this.version++;
      this.onChange();
    } catch {
      // The next refresh tries again; the map keeps what it drew.
    }
  }
}
