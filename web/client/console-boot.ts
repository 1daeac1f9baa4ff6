/**
 * The console page's entry: signing in (app/sign-in.ts, the language first), then the
 * console itself (main.ts: maplibre, deck.gl, the live stream), loaded only when someone signs
 * in — from their first keystroke in the login form — so a login page left open does not
 * download the map.
 */
import './styles/console.css';
import { showNoConsole } from './app/no-console.ts';
import { signIn } from './app/sign-in.ts';
import { markOnce, TIMING_MARKS } from './timing-marks.ts';

const loadConsole = () => import('./main.ts');

async function boot(): Promise<void> {
  const me = await signIn({ displayToken: true, prepare: () => void loadConsole().catch(() => undefined) });
  // A field crew has no live map: its page is the field page (docs/dispatch.md).
  if (me.permissions.includes('field.unit') && !me.permissions.includes('live.read')) return window.location.replace('./field.html');
  // A department's case handler has no live map either: its page is the case desk (docs/cases.md).
  if (me.permissions.includes('cases.read') && !me.permissions.includes('live.read')) return window.location.replace('./cases.html');
  // An integration account (the hotline's system, a warning feed) has no page here: it is told
  // what it is for rather than shown a console whose stream the server refuses.
  // (A few lines of page, part of this entry: every chunk the entry names is the console's.)
  if (!me.permissions.includes('live.read')) return showNoConsole(me);
  const { start } = await loadConsole();
  markOnce(TIMING_MARKS.pageLoaded);
  start(me);
}

void boot();
