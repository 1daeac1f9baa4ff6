/**
 * The replay page's entry: signing in (app/sign-in.ts, the language first), then the player
 * (main.ts: maplibre and deck.gl), loaded only when someone signs in (from their first keystroke
 * in the login form).
 */
import '../styles/console.css';
import { signIn } from '../app/sign-in.ts';
import { markOnce, TIMING_MARKS } from '../timing-marks.ts';

const loadPlayer = () => import('./main.ts');

async function boot(): Promise<void> {
  const me = await signIn({ prepare: () => void loadPlayer().catch(() => undefined) });
  const { start } = await loadPlayer();
  markOnce(TIMING_MARKS.pageLoaded);
  start(me.permissions);
}

void boot();
