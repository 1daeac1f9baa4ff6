/**
 * The KPI screen's entry: signing in (app/sign-in.ts, the language first; a wall display
 * brings its token), then the screen itself (kpi-main.ts: maplibre and echarts), loaded only when
 * someone signs in (from their first keystroke in the login form).
 */
import '../styles/console.css';
import { signIn } from '../app/sign-in.ts';
import { markOnce, TIMING_MARKS } from '../timing-marks.ts';

const loadScreen = () => import('./kpi-main.ts');

async function boot(): Promise<void> {
  await signIn({ displayToken: true, prepare: () => void loadScreen().catch(() => undefined) });
  const { start } = await loadScreen();
  markOnce(TIMING_MARKS.pageLoaded);
  start();
}

void boot();
