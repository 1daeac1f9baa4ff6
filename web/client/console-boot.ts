/**
 * The console page's entry: the language, then signing in (panels/sign-in.ts), then the
 * console itself (main.ts: maplibre, deck.gl, the live stream), loaded only when someone signs
 * in — from their first keystroke in the login form — so a login page left open does not
 * download the map.
 */
import './styles/console.css';
import { loadLanguage } from './i18n/language.ts';
import { signIn } from './panels/sign-in.ts';
import { markOnce, TIMING_MARKS } from './timing-marks.ts';

const loadConsole = () => import('./main.ts');

async function boot(): Promise<void> {
  loadLanguage();
  const me = await signIn({ displayTokens: true, prepare: () => void loadConsole().catch(() => undefined) });
  const { start } = await loadConsole();
  markOnce(TIMING_MARKS.pageLoaded);
  start(me);
}

void boot();
