// The page frame every console page shares: head with the static stylesheet and script, the navigation
// built from the registered pages, a skip link, and the sign-out form.
import { createContext, useContext, type Child } from 'hono/jsx';
import { raw } from 'hono/html';
import type { NavEntry } from './nav.js';
import type { Locale } from '../domain/principal.js';
import type { Translate } from './i18n/translator.js';

export interface LayoutProps {
  title: string;
  nav: NavEntry[];
  /** Path of the current page, to mark its nav entry. */
  current: string;
  /** CSRF token of the session; absent on the sign-in page. */
  csrf?: string | undefined;
  version: string;
  locale: Locale;
  t: Translate;
  children?: Child;
}

export const STATIC_PREFIX = '/console/static';

export function Layout({ title, nav, current, csrf, version, locale, t, children }: LayoutProps) {
  return (
    <>
      {raw('<!doctype html>')}
      <html lang={locale}>
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>{`${title} · earshot`}</title>
          <link rel="stylesheet" href={`${STATIC_PREFIX}/console.css?v=${version}`} />
          <link rel="icon" href="data:," />
          <script src={`${STATIC_PREFIX}/console.js?v=${version}`} defer></script>
        </head>
        <body>
          <a class="skip" href="#main">
            {t('layout.skip')}
          </a>
          <header class="top">
            <span class="brand">earshot</span>
            {csrf !== undefined && (
              <nav aria-label={t('layout.nav')}>
                <ul>
                  {nav.map((entry) => (
                    <li>
                      <a href={entry.href} aria-current={current.startsWith(entry.href) ? 'page' : undefined}>
                        {entry.label}
                      </a>
                    </li>
                  ))}
                </ul>
              </nav>
            )}
            {csrf !== undefined && (
              <form method="post" action="/console/logout" class="logout">
                <CsrfField token={csrf} />
                <button type="submit">{t('layout.sign_out')}</button>
              </form>
            )}
          </header>
          <main id="main" tabindex={-1}>
            <h1>{title}</h1>
            <CsrfContext.Provider value={csrf ?? ''}>{children}</CsrfContext.Provider>
          </main>
          <footer>earshot {version}</footer>
        </body>
      </html>
    </>
  );
}

export const CSRF_FIELD = '_csrf';

export function CsrfField({ token }: { token: string }) {
  return <input type="hidden" name={CSRF_FIELD} value={token} />;
}

const CsrfContext = createContext('');

/** The session's CSRF token as a hidden field, for forms rendered inside the layout. */
export function Csrf() {
  return <CsrfField token={useContext(CsrfContext)} />;
}

/** A one-button POST form (run, activate, replay…) with the CSRF token and any hidden fields. */
export function ActionButton(props: { action: string; label: string; ariaLabel: string; fields?: Record<string, string | undefined>; secondary?: boolean; confirm?: string }) {
  return (
    <form method="post" action={props.action} class="inline" data-confirm={props.confirm}>
      <Csrf />
      {Object.entries(props.fields ?? {}).map(([name, value]) => (value === undefined ? null : <input type="hidden" name={name} value={value} />))}
      <button type="submit" class={props.secondary === false ? undefined : 'secondary'} aria-label={props.ariaLabel}>
        {props.label}
      </button>
    </form>
  );
}
