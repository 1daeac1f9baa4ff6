/**
 * Signing in, the same on every page: a display token from the address (wall displays), else
 * the session cookie, else the login page until a sign-in succeeds. It needs only the login
 * view, so a page's entry runs it before it loads the page's own code (maplibre, deck.gl,
 * echarts): a login page left open costs tens of kilobytes, not megabytes. The page's code
 * starts loading as soon as someone types into the form, so it downloads and compiles while they
 * type rather than after they press the button.
 */
import { dropDisplayToken, fetchMe, takeDisplayToken, type Me } from '../backend/session.ts';
import { t } from '../i18n/language.ts';
import { LoginView } from './login-view.ts';

export interface SignInOptions {
  /** Take a wall display's token from the address (`?display=TOKEN`). */
  displayTokens: boolean;
  /**
   * Starts loading the page's code: called when someone starts typing into the login form and
   * when a sign-in is accepted (an `import()` called twice loads once).
   */
  prepare?: () => void;
}

/** Resolves with the signed-in principal; `document.body.dataset.auth` tells how (or `login` meanwhile). */
export async function signIn(options: SignInOptions): Promise<Me> {
  const display = options.displayTokens ? takeDisplayToken(window.location, window.history) : null;
  let me = await fetchMe();
  if (!me.ok && display) {
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
