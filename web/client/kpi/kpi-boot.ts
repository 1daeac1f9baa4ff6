/**
 * The KPI screen's entry: the language, then signing in (panels/sign-in.ts; a wall display
 * brings its token), then the screen itself (kpi-main.ts: maplibre and echarts), loaded only
 * once signed in so the login page does not download them.
 */
import '../styles/console.css';
import { loadLanguage } from '../i18n/language.ts';
import { signIn } from '../panels/sign-in.ts';
import { markOnce, TIMING_MARKS } from '../timing-marks.ts';

const loadScreen = () => import('./kpi-main.ts');

async function boot(): Promise<void> {
  loadLanguage();
  await signIn({ displayTokens: true, onAccepted: () => void loadScreen().catch(() => undefined) });
  const { start } = await loadScreen();
  markOnce(TIMING_MARKS.pageLoaded);
  start();
}

void boot();
