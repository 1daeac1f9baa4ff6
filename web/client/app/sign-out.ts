/**
 * Signing out, for every page with a sign-out: the page goes back to its login form only once the
 * server has ended the session (or had none left to end). When the server does not answer, or
 * refuses, the session lives on: the page stays as it is and is given the words to show why
 * (shared strings `user.logoutFailed`, `user.logoutOffline`), so that nobody walks away from a
 * screen still signed in.
 */
import { logout } from '../backend/session.ts';
import type { StringKey } from '../i18n/strings.ts';

/** How a sign-out went: the page reloads; or the session lives on, with the key of the words why. */
export type SignOutOutcome =
  | { signedOut: true }
  | { signedOut: false; reason: Extract<StringKey, 'user.logoutFailed' | 'user.logoutOffline'> };

/**
 * Asks the server to end the session. Ended (or already gone: 401), `reload()` (the page's login
 * form) is called; otherwise nothing is, and the outcome says why.
 */
export async function signOut(reload: () => void = () => window.location.reload()): Promise<SignOutOutcome> {
  const r = await logout();
  if (r.ok || r.status === 401) {
    reload();
    return { signedOut: true };
  }
  return { signedOut: false, reason: r.status === 0 ? 'user.logoutOffline' : 'user.logoutFailed' };
}
