/**
 * Signing in, the same on every page: a display token from the address (wall displays), else
 * the session cookie, else the login page until a sign-in succeeds. It needs only the login
 * view, so a page's entry runs it before it loads the page's own code (maplibre, deck.gl,
 * echarts): the login page costs tens of kilobytes, not megabytes.
 */
import { dropDisplayToken, fetchMe, takeDisplayToken, type Me } from '../backend/session.ts';
import { t } from '../i18n/language.ts';
import { LoginView } from './login-view.ts';

export interface SignInOptions {
  /** Take a wall display's token from the address (`?display=TOKEN`). */
  displayTokens: boolean;
  /** Called as soon as the login form is accepted, before the principal is fetched (start loading the page). */
  onAccepted?: () => void;
}

/** Resolves with the signed-in principal; `document.body.dataset.auth` tells how (or `login` meanwhile). */
export async function signIn(options: SignInOptions): Promise<Me> {
  const display = options.displayTokens ? takeDisplayToken(window.location, window.history) : null;
  let me = await fetchMe();
  if (!me.ok && display) {
    dropDisplayToken();
    await new LoginView(document.body, t('login.displayRevoked', { reason: me.error })).run();
    options.onAccepted?.();
    me = await fetchMe();
  }
  while (!me.ok) {
    document.body.dataset.auth = 'login';
    await new LoginView(document.body).run();
    options.onAccepted?.();
    me = await fetchMe();
  }
  document.body.dataset.auth = me.value.via;
  return me.value;
}
