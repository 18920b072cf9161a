// The admin console: server-rendered pages under /console on the API's own Hono app. Sign-in with the
// admin token opens a session (HttpOnly, SameSite=Strict cookie; Secure behind https); every form carries
// the session's CSRF token; failed sign-ins are rate-limited; security headers on every answer.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import { secureHeaders } from 'hono/secure-headers';
import type { Logger } from '../logger.js';
import type { Services } from '../services/index.js';
import { errorPage } from './error-page.js';
import { CSRF_FIELD, Layout } from './layout.js';
import type { NavEntry } from './nav.js';
import { mayOpen, type ConsoleContext, type ConsoleEnv, type ConsolePage, type Render } from './page.js';
import { invitePage, loginPage } from './pages/login.js';
import { overviewPage } from './pages/overview.js';
import { communicationsPage } from './pages/communications.js';
import { customFieldsPage } from './pages/custom-fields.js';
import { integrationsPage } from './pages/integrations.js';
import { operatorsPage } from './pages/operators.js';
import { sourcesPage } from './pages/sources.js';
import { crmPage } from './pages/crm.js';
import { auditLogPage } from './pages/audit-log.js';
import { usersPage } from './pages/users.js';
import { retentionPage } from './pages/retention.js';
import { staticAssets } from './static-assets.js';
import { acceptedLocale, translator } from './i18n/translator.js';
import type { Locale } from '../domain/principal.js';
import { assertStorableUrl } from '../domain/storable-text.js';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../domain/passwords.js';

/** The console's pages in navigation order; CRM connectors and chats add their modules here. */
export const CONSOLE_PAGES: ConsolePage[] = [overviewPage, communicationsPage, customFieldsPage, integrationsPage, operatorsPage, sourcesPage, crmPage, usersPage, auditLogPage, retentionPage];

export interface ConsoleDeps {
  services: Services;
  logger: Logger;
  version: string;
  /** Reads a form's body once the cheap checks pass: type, declared length, the process's body budget. */
  formBody: MiddlewareHandler;
}

export const SESSION_COOKIE = 'earshot_session';
const LOGIN_COOKIE = 'earshot_login';
const SAFE_METHODS = new Set(['GET', 'HEAD']);

export function consoleApp(deps: ConsoleDeps) {
  const { services, version } = deps;
  const app = new Hono<ConsoleEnv>();
  // The navigation shows the pages the session's role may open.
  const navOf = (c: ConsoleContext): NavEntry[] => {
    const session = c.var.session;
    return session ? CONSOLE_PAGES.filter((p) => mayOpen(p, session)).map((p) => ({ href: `/console${p.path}`, label: c.var.t(p.label) })) : [];
  };

  const render: Render = (c, title, content, status = 200) =>
    c.html(
      <Layout title={title} nav={navOf(c)} current={c.req.path} csrf={c.var.session?.csrfToken} version={version} locale={c.var.locale} t={c.var.t}>
        {content}
      </Layout>,
      status,
    );

  // The viewer's language: the browser's until a signed-in user's own setting replaces it.
  app.use(async (c, next) => {
    setLocale(c, acceptedLocale(c.req.header('accept-language')) ?? 'en');
    await next();
  });
  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        mediaSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
      xFrameOptions: 'DENY',
      referrerPolicy: 'same-origin',
    }),
  );
  app.use(async (c, next) => {
    await next();
    if (c.res.headers.get('content-type')?.startsWith('text/html')) c.header('cache-control', 'no-store');
  });
  const formBody = deps.formBody;
  app.onError((error, c) => {
    const status = errorPage.statusOf(error);
    const retryAfter = (error as { retryAfterSeconds?: unknown }).retryAfterSeconds;
    if (typeof retryAfter === 'number') c.header('retry-after', String(retryAfter));
    if (status === 500) deps.logger.error({ err: error, request_id: c.get('requestId' as never) }, 'console error');
    return errorPage(c as ConsoleContext, render, status, status === 500 ? c.var.t('error.internal') : (error as Error).message);
  });

  app.use(async (c, next) => {
    assertStorableUrl(c.req.url);
    await next();
  });
  app.route('/static', staticAssets(version));

  // Sign-in and invite forms carry their own CSRF cookie (there is no session yet).
  const freshLoginCookie = (c: ConsoleContext) => {
    const csrf = randomBytes(18).toString('base64url');
    setCookie(c, LOGIN_COOKIE, csrf, cookieOptions(c, 600));
    return csrf;
  };
  app.get('/login', (c) => render(c, c.var.t('login.title'), loginPage({ t: c.var.t, csrf: freshLoginCookie(c), next: safeNext(c.req.query('next')) })));
  // A post without the form's cookie is refused before its body is read.
  const loginCookie: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
    if (!getCookie(c, LOGIN_COOKIE)) return errorPage(c, render, 403, c.var.t('login.expired'));
    await next();
  };
  const signedIn = (c: ConsoleContext, opened: { token: string }, next: string) => {
    deleteCookie(c, LOGIN_COOKIE, { path: '/console' });
    setCookie(c, SESSION_COOKIE, opened.token, cookieOptions(c, services.consoleSessions.ttlSeconds));
    return c.redirect(next, 303);
  };
  // Email and password sign a user in; the admin token (when given) signs the owner in.
  app.post('/login', loginCookie, formBody, async (c) => {
    const form = await c.req.parseBody();
    const next = safeNext(typeof form.next === 'string' ? form.next : undefined);
    if (!sameToken(getCookie(c, LOGIN_COOKIE), form[CSRF_FIELD])) return errorPage(c, render, 403, c.var.t('login.expired'));
    const text = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : '');
    const token = text('token').trim();
    const email = text('email').trim();
    try {
      const opened = token ? await services.consoleSessions.signIn(token, c.var.clientAddress) : await services.consoleSessions.signInUser(email, text('password'), c.var.clientAddress, c.var.audit);
      return signedIn(c, opened, next);
    } catch (error) {
      const status = errorPage.statusOf(error);
      if (status !== 401 && status !== 429) throw error;
      if (status === 429) c.header('retry-after', String((error as { retryAfterSeconds: number }).retryAfterSeconds));
      const message = status === 429 ? c.var.t('login.locked', { count: (error as { retryAfterSeconds: number }).retryAfterSeconds }) : c.var.t(token ? 'login.wrong_token' : 'login.wrong_password');
      return render(c, c.var.t('login.title'), loginPage({ t: c.var.t, csrf: freshLoginCookie(c), next, error: message, email }), status);
    }
  });

  // An invite link: the invited user sets a password and is signed in (the link is used up).
  const INVITE = /^esi_[\w-]{43}$/;
  app.get('/invite/:token', async (c) => {
    const invite = c.req.param('token');
    if (!INVITE.test(invite) || !(await services.userAuth.inviteIsLive(invite))) return errorPage(c, render, 404, c.var.t('invite.invalid'));
    return render(c, c.var.t('invite.title'), invitePage({ t: c.var.t, csrf: freshLoginCookie(c), action: `/console/invite/${invite}` }));
  });
  app.post('/invite/:token', loginCookie, formBody, async (c) => {
    const invite = c.req.param('token');
    const form = await c.req.parseBody();
    if (!sameToken(getCookie(c, LOGIN_COOKIE), form[CSRF_FIELD])) return errorPage(c, render, 403, c.var.t('invite.expired'));
    if (!INVITE.test(invite)) return errorPage(c, render, 404, c.var.t('invite.invalid'));
    const password = typeof form.password === 'string' ? form.password : '';
    if (password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH) {
      return render(c, c.var.t('invite.title'), invitePage({ t: c.var.t, csrf: freshLoginCookie(c), action: `/console/invite/${invite}`, error: c.var.t('invite.length', { min: PASSWORD_MIN_LENGTH, max: PASSWORD_MAX_LENGTH }) }), 422);
    }
    try {
      const user = await services.userAuth.setPasswordByInvite(invite, password);
      return signedIn(c, await services.consoleSessions.open(user.id), '/console');
    } catch (error) {
      if (errorPage.statusOf(error) !== 422) throw error;
      return errorPage(c, render, 404, c.var.t('invite.invalid'));
    }
  });

  // Everything else needs a session; forms also need its CSRF token.
  app.use(
    createMiddleware<ConsoleEnv>(async (c, next) => {
      const token = getCookie(c, SESSION_COOKIE);
      const session = await services.consoleSessions.resolve(token);
      if (!session || !token) {
        if (SAFE_METHODS.has(c.req.method)) return c.redirect(`/console/login?next=${encodeURIComponent(c.req.path + new URL(c.req.url).search)}`, 303);
        return errorPage(c, render, 401, c.var.t('error.sign_in_first'));
      }
      c.set('session', session);
      c.set('principal', session.principal);
      if (session.principal.type === 'user' && session.principal.locale) setLocale(c, session.principal.locale);
      c.set('sessionToken', token);
      await next();
    }),
  );
  // Only then is a form's body read, and its CSRF token checked.
  app.use((c, next) => (SAFE_METHODS.has(c.req.method) ? next() : formBody(c, next)));
  app.use(
    createMiddleware<ConsoleEnv>(async (c, next) => {
      if (!SAFE_METHODS.has(c.req.method)) {
        const form = await c.req.parseBody();
        if (!sameToken(c.var.session.csrfToken, form[CSRF_FIELD])) return errorPage(c, render, 403, c.var.t('error.stale_form'));
      }
      await next();
    }),
  );

  app.post('/logout', async (c) => {
    await services.consoleSessions.signOut(c.var.sessionToken);
    deleteCookie(c, SESSION_COOKIE, { path: '/console' });
    return c.redirect('/console/login', 303);
  });
  app.get('/', (c) => {
    const first = CONSOLE_PAGES.find((p) => mayOpen(p, c.var.session));
    return first ? c.redirect(`/console${first.path}`, 303) : errorPage(c, render, 403, c.var.t('error.role_none'));
  });
  for (const page of CONSOLE_PAGES) {
    const gate: MiddlewareHandler<ConsoleEnv> = async (c, next) => (mayOpen(page, c.var.session) ? next() : errorPage(c, render, 403, c.var.t('error.role_page')));
    app.use(page.path, gate);
    app.use(`${page.path}/*`, gate);
    app.route(page.path, page.routes({ services, render }));
  }
  app.all('*', (c) => errorPage(c, render, 404, c.var.t('error.no_page')));
  return app;
}

function cookieOptions(c: Context, maxAge: number) {
  const https = new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';
  return { path: '/console', httpOnly: true, sameSite: 'Strict', secure: https, maxAge } as const;
}

/** Where to go after sign-in: only a console path, never another site. */
function safeNext(next: string | undefined): string {
  return next && /^\/console(\/[^\\]*)?$/.test(next) && !next.startsWith('//') ? next : '/console';
}

function sameToken(expected: string | undefined, sent: unknown): boolean {
  if (!expected || typeof sent !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(sent);
  return a.length === b.length && timingSafeEqual(a, b);
}

function setLocale(c: Context<ConsoleEnv>, locale: Locale): void {
  c.set('locale', locale);
  c.set('t', translator(locale));
}
