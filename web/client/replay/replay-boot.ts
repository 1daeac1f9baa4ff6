/**
 * The replay page's entry: the language, then signing in (panels/sign-in.ts), then the player
 * (main.ts: maplibre and deck.gl), loaded only when someone signs in (from their first keystroke
 * in the login form).
 */
import '../styles/console.css';
import { loadLanguage } from '../i18n/language.ts';
import { signIn } from '../panels/sign-in.ts';
import { markOnce, TIMING_MARKS } from '../timing-marks.ts';

const loadPlayer = () => import('./main.ts');

async function boot(): Promise<void> {
  loadLanguage();
  const me = await signIn({ displayTokens: false, prepare: () => void loadPlayer().catch(() => undefined) });
  const { start } = await loadPlayer();
  markOnce(TIMING_MARKS.pageLoaded);
  start(me.permissions);
}

void boot();
