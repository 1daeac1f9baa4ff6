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
 */
import { dropDisplayToken, fetchMe, takeDisplayToken, type Me } from '../backend/session.ts';
import { loadLanguage, t } from '../i18n/language.ts';
import { LoginView } from '../panels/login-view.ts';

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
  let me = await fetchMe();
  if (!me.ok && display) {
    // A revoked or expired display token: say so once, then sign in as a person.
    dropDisplayToken();
    await showLogin(t('login.displayRevoked', { reason: me.error }), options);
    me = await fetchMe();
  }
  while (!me.ok) {
    document.body.dataset.auth = 'login';
    await showLogin(null, options);
    me = await fetchMe();
  }
  document.body.dataset.auth = me.value.via;
  return me.value;
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
