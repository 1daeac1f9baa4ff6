/**
 * The one start-up and sign-in path of every page (console, KPI screen, replay, audit): the
 * language first, then a display token from the address (pages a wall may show), else the
 * session cookie, else the login page until a sign-in works. A page starts only with a
 * principal; what it shows follows the role's permissions (the server enforces them anyway).
 * `document.body.dataset.auth` says how the page is signed in (`login` while it asks).
 */
import { dropDisplayToken, fetchMe, takeDisplayToken, type Me } from '../backend/session.ts';
import { loadLanguage, t } from '../i18n/language.ts';
import { LoginView } from '../panels/login-view.ts';

export interface SignInOptions {
  /** The page may be opened by a wall display with `?display=TOKEN` (console, KPI screen). */
  displayToken?: boolean;
}

/** Signs in as described above and returns who is signed in. */
export async function signIn(options: SignInOptions = {}): Promise<Me> {
  loadLanguage();
  const display = options.displayToken ? takeDisplayToken(window.location, window.history) : null;
  let me = await fetchMe();
  if (!me.ok && display) {
    // A revoked or expired display token: say so once, then sign in as a person.
    dropDisplayToken();
    await new LoginView(document.body, t('login.displayRevoked', { reason: me.error })).run();
    me = await fetchMe();
  }
  while (!me.ok) {
    document.body.dataset.auth = 'login';
    await new LoginView(document.body).run();
    me = await fetchMe();
  }
  document.body.dataset.auth = me.value.via;
  return me.value;
}

/** Starts a page once signed in. */
export function startPage(start: (me: Me) => void, options: SignInOptions = {}): void {
  void signIn(options).then(start);
}
