/**
 * The console page's entry: signing in (app/sign-in.ts, the language first), then the
 * console itself (main.ts: maplibre, deck.gl, the live stream), loaded only when someone signs
 * in — from their first keystroke in the login form — so a login page left open does not
 * download the map.
 */
import './styles/console.css';
import { signIn } from './app/sign-in.ts';
import { markOnce, TIMING_MARKS } from './timing-marks.ts';

const loadConsole = () => import('./main.ts');

async function boot(): Promise<void> {
  const me = await signIn({ displayToken: true, prepare: () => void loadConsole().catch(() => undefined) });
  const { start } = await loadConsole();
  markOnce(TIMING_MARKS.pageLoaded);
  start(me);
}

void boot();
