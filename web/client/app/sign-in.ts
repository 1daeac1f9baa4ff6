/**
 * The one start-up and sign-in path of every page (console, KPI screen, replay, audit): the
 * language first, then a display token from the address (pages a wall may show), else the
 * session cookie, else the login page until a sign-in works. A page starts only with a
 * principal; what it shows follows the role's permissions (the server enforces them anyway).
 * `document.body.dataset.auth` says how the page is signed in (`login` while it asks).
 *
 * It needs only the login view, so a page's entry (console-boot.ts, kpi/kpi-boot.ts,
 * replay/replay-boot.ts) runs it before it loads the page's own code (maplibre, deck.gl,
 * echarts): a login page left open costs tens of kilobytes, not megabytes. With `prepare`, the
 * page's code starts loading as soon as someone types into the login form, so it downloads and
 * compiles while they type rather than after they press the button.
 *
 * Only an answer about the credentials counts: while the server cannot be reached, fails inside
 * (5xx) or is busy (429), the page says so and asks again after 1, 2, 4 … 30 s, keeping its display
 * token — a wall opened or reloaded while the server restarts must not lose its token and wait at a
 * login page nobody is there to fill in.
 */
import { dropDisplayToken, fetchMe, takeDisplayToken, type Me } from '../backend/session.ts';
import { loadLanguage, t } from '../i18n/language.ts';
import { LoginView } from '../panels/login-view.ts';
import { refusedRetryMs } from '../stream/refused-retry.ts';
import { h, setText } from '../ui/dom.ts';

export interface SignInOptions {
  /** The page may be opened by a wall display with `?display=TOKEN` (console, KPI screen). */
  displayToken?: boolean;
  /**
   * Starts loading the page's code: called when someone starts typing into the login form and
   * when a sign-in is accepted (an `import()` called twice loads once).
   */
  prepare?: () => void;
}

/** Signs in as described above and returns who is signed in. */
export async function signIn(options: SignInOptions = {}): Promise<Me> {
  loadLanguage();
  const display = options.displayToken ? takeDisplayToken(window.location, window.history) : null;
  let me = await answeredMe();
  if (!me.ok && display) {
    // A revoked or expired display token: say so once, then sign in as a person.
    dropDisplayToken();
    await showLogin(t('login.displayRevoked', { reason: me.error }), options);
    me = await answeredMe();
  }
  while (!me.ok) {
    document.body.dataset.auth = 'login';
    await showLogin(null, options);
    me = await answeredMe();
  }
  document.body.dataset.auth = me.value.via;
  return me.value;
}

/** No answer about the credentials: the server unreachable (0), failing inside (5xx) or busy (429). */
function unanswered(r: { ok: boolean; status?: number }): boolean {
  return !r.ok && (r.status === 0 || r.status === 429 || (r.status ?? 0) >= 500);
}

/** Who is signed in, asked until the server answers about the credentials (see above). */
async function answeredMe(): ReturnType<typeof fetchMe> {
  let me = await fetchMe();
  let notice: HTMLElement | null = null;
  for (let attempt = 0; unanswered(me) && !me.ok; attempt++) {
    const wait = refusedRetryMs(me.status === 0 ? 503 : me.status, attempt) ?? 30_000;
    const text = h('p', { class: 'login-subtitle', 'data-testid': 'server-waiting-text' });
    // The status, not the browser's error text (English whatever the page's language).
    const reason = me.status === 0 ? t('signin.unreachable') : `HTTP ${me.status}`;
    setText(text, t('signin.serverWaiting', { reason, seconds: Math.round(wait / 1000) }));
    const title = h('h1', { class: 'login-title' });
    setText(title, t('signin.serverWaitingTitle'));
    const next = h(
      'div',
      { class: 'login-view', 'data-testid': 'server-waiting' },
      h('div', { class: 'login-card', role: 'status' }, title, text),
    );
    if (notice) notice.replaceWith(next);
    else document.body.append(next);
    notice = next;
    document.body.dataset.auth = 'waiting';
    await new Promise((r) => setTimeout(r, wait));
    me = await fetchMe();
  }
  notice?.remove();
  return me;
}

async function showLogin(notice: string | null, options: SignInOptions): Promise<void> {
  const view = new LoginView(document.body, notice);
  if (options.prepare) view.onFirstInput(options.prepare);
  await view.run();
  options.prepare?.();
}

/** Starts a page once signed in. */
export function startPage(start: (me: Me) => void, options: SignInOptions = {}): void {
  void signIn(options).then(start);
}
