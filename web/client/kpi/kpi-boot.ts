/**
 * The KPI screen's entry: the language, then signing in (panels/sign-in.ts; a wall display
 * brings its token), then the screen itself (kpi-main.ts: maplibre and echarts), loaded only when
 * someone signs in (from their first keystroke in the login form).
 */
import '../styles/console.css';
import { loadLanguage } from '../i18n/language.ts';
import { signIn } from '../panels/sign-in.ts';
import { markOnce, TIMING_MARKS } from '../timing-marks.ts';

const loadScreen = () => import('./kpi-main.ts');

async function boot(): Promise<void> {
  loadLanguage();
  await signIn({ displayTokens: true, prepare: () => void loadScreen().catch(() => undefined) });
  const { start } = await loadScreen();
  markOnce(TIMING_MARKS.pageLoaded);
  start();
}

void boot();
