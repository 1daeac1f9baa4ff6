/**
 * The console's page for an account that has no live map (no `live.read`) and no page of its own
 * to go to: an integration account such as the 12345 hotline's system (`hotline`) or a warning
 * issuer's gateway (`warning_feed`) signed in in a browser. Rather than a console whose stream
 * the server refuses (a "stream stopped" banner forever), it says in the page's language what
 * the account is for, with a way to sign out and the open-data portal. No map is drawn and no
 * stream opened: console-boot.ts decides before it starts main.ts (which the login form may
 * have fetched already).
 */
import type { Me } from '../backend/session.ts';
import { onLanguageChange, t } from '../i18n/language.ts';
import type { StringKey } from '../i18n/strings.ts';
import { type SignOutOutcome, signOut as endSession } from './sign-out.ts';
import { h, setText } from '../ui/dom.ts';
import { languageToggle } from '../ui/language-toggle.ts';

/** What the account is for, by its role: the first role of `me` with its own wording. */
export function noConsoleReasonKey(me: Pick<Me, 'roles'>): StringKey {
  if (me.roles.includes('hotline')) return 'noConsole.hotline';
  if (me.roles.includes('warning_feed')) return 'noConsole.warningFeed';
  return 'noConsole.other';
}

/** Shows the page in place of the console. */
export function showNoConsole(me: Me): void {
  const title = h('h1', { class: 'login-title', 'data-testid': 'no-console-title' });
  const reason = h('p', { class: 'no-console-reason', 'data-testid': 'no-console-reason' });
  // The account by the name people know it by; its user name (what is typed to sign in) beside it, secondary.
  const signedInAs = h('span', {});
  const name = h('strong', { class: 'no-console-name', 'data-testid': 'no-console-name' });
  const userName = h('span', { class: 'no-console-username', 'data-testid': 'no-console-username' });
  const account = h('p', { class: 'login-subtitle', 'data-testid': 'no-console-account' }, signedInAs, name, userName);
  const displayName = me.displayName?.trim() || me.username;
  const signOut = h('button', { type: 'button', class: 'login-submit', 'data-testid': 'no-console-sign-out' });
  const openData = h('a', { class: 'login-open-data', href: './open.html', 'data-testid': 'open-data-link' });
  const lang = languageToggle('login-lang');
  // Why the sign-out did not happen (app/sign-out.ts): the session lives on, the page stays and says so.
  const signOutError = h('div', { class: 'login-error', role: 'alert', hidden: true, 'data-testid': 'no-console-sign-out-error' });
  let signOutFailed: Extract<SignOutOutcome, { signedOut: false }>['reason'] | null = null;
  const card = h(
    'div',
    { class: 'login-card', role: 'main' },
    h('div', { class: 'login-head' }, h('span', { class: 'brand-mark' }, 'CityTwin'), lang),
    title,
    reason,
    account,
    signOutError,
    signOut,
    openData,
  );
  document.body.append(h('div', { class: 'login-view', 'data-testid': 'no-console' }, card));
  const render = () => {
    document.title = `CityTwin · ${t('noConsole.title')}`;
    setText(title, t('noConsole.title'));
    setText(reason, t(noConsoleReasonKey(me)));
    setText(signedInAs, t('noConsole.signedInAs'));
    setText(name, displayName);
    setText(userName, displayName === me.username ? '' : t('noConsole.userName', { user: me.username }));
    setText(signOut, t('user.logout'));
    setText(signOutError, signOutFailed ? t(signOutFailed) : '');
    signOutError.hidden = signOutFailed === null;
    setText(openData, t('user.openData'));
    lang.title = t('lang.toggle');
  };
  signOut.addEventListener('click', () => {
    signOut.disabled = true;
    void endSession().then((outcome) => {
      signOut.disabled = false;
      signOutFailed = outcome.signedOut ? null : outcome.reason;
      render();
    });
  });
  onLanguageChange(render);
  render();
  document.body.dataset.page = 'no-console';
}
