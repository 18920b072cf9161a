// What a console page module gets and gives: the services, a renderer that wraps content in the layout,
// and helpers to read a posted form and turn a service's validation details into field errors.
import { ALL_INTEGRATIONS, type AccessScope } from '../domain/access-scope.js';
import { assertStorableFields } from '../domain/storable-text.js';
import type { Context, Hono } from 'hono';
import type { Child } from 'hono/jsx';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { DomainError, Unauthorized } from '../domain/errors.js';
import type { Locale, Role } from '../domain/principal.js';
import type { MessageKey } from './i18n/messages.js';
import type { Translate } from './i18n/translator.js';
import type { Services } from '../services/index.js';
import type { ConsoleSession } from '../services/console-sessions.js';
import type { FieldErrors } from './fields.js';
import { CSRF_FIELD } from './layout.js';

export type ConsoleEnv = { Variables: { session: ConsoleSession; sessionToken: string; locale: Locale; t: Translate } };
export type ConsoleContext = Context<ConsoleEnv>;

export type Render = (c: ConsoleContext, title: string, content: Child, status?: ContentfulStatusCode) => Response | Promise<Response>;

export interface PageDeps {
  services: Services;
  render: Render;
}

/** A page module: its place in the navigation and its routes, mounted under /console{path}. */
export interface ConsolePage {
  path: string;
  /** Its navigation label, from the message catalogue. */
  label: MessageKey;
  /** Who may open it (the admin token counts as admin); admins only when not given. */
  roles?: readonly Role[];
  routes: (deps: PageDeps) => Hono<ConsoleEnv>;
}

/** The session's role: the admin token counts as admin. */
export const sessionRole = (session: ConsoleSession): Role => (session.principal.type === 'user' ? session.principal.role : 'admin');
export const roleOf = (c: ConsoleContext): Role => sessionRole(c.var.session);

/** Whether the session's principal may open the page. */
export function mayOpen(page: ConsolePage, session: ConsoleSession): boolean {
  return (page.roles ?? ['admin']).includes(sessionRole(session));
}

/** What the session may read: the user's AccessScope (see UserAuth.scope); everything for the admin token. */
export async function consoleScope(c: ConsoleContext, services: Services): Promise<AccessScope> {
  const { principal } = c.var.session;
  return principal.type === 'user' ? services.userAuth.scope(principal) : ALL_INTEGRATIONS;
}

/** The posted form's text fields (files and the CSRF token left out; repeated names keep the last); 422 for a NUL in any. */
export async function formOf(c: ConsoleContext): Promise<Record<string, string>> {
  const body = await c.req.parseBody();
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(body)) {
    const last = Array.isArray(value) ? value.at(-1) : value;
    if (name !== CSRF_FIELD && typeof last === 'string') out[name] = last;
  }
  assertStorableFields(Object.entries(out));
  return out;
}

/** A service's refusal (validation, conflict, not found) as messages by form field; undefined for other errors. */
export function fieldErrorsOf(error: unknown, rename: Record<string, string> = {}): FieldErrors | undefined {
  if (!(error instanceof DomainError) || error instanceof Unauthorized) return undefined;
  const errors: FieldErrors = {};
  for (const detail of error.details) {
    const path = rename[detail.path] ?? detail.path;
    errors[path] = errors[path] ? `${errors[path]}; ${detail.message}` : detail.message;
  }
  if (error.details.length === 0) errors[''] = error.message;
  return errors;
}

/** A zod failure of a form as messages by field path. */
export function zodErrors(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of issues) {
    const path = issue.path.map(String).join('.');
    errors[path] ??= issue.message;
  }
  return errors;
}

/** A checkbox posts its value when ticked and nothing otherwise. */
export const ticked = (form: Record<string, string>, name: string) => form[name] === 'true';

export const blankToUndefined = (value: string | undefined) => (value === undefined || value.trim() === '' ? undefined : value.trim());
