// The console's error answers: an HTML page with the status that fits the error.
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { DomainError, httpStatusOf, Overloaded, Unavailable } from '../domain/errors.js';
import type { MessageKey } from './i18n/messages.js';
import type { ConsoleContext, Render } from './page.js';

const TITLES = new Map<number, MessageKey>([401, 403, 404, 413, 415, 422, 429, 503].map((s) => [s, `error.${s}` as MessageKey]));

export function errorPage(c: ConsoleContext, render: Render, status: ContentfulStatusCode, message: string) {
  const t = c.var.t;
  const title = TITLES.get(status);
  return render(
    c,
    t(title ?? 'error.other'),
    <div>
      <p class="alert" role="alert">
        {message}
      </p>
      <p>
        <a href="/console">{t('error.back')}</a>
      </p>
    </div>,
    status,
  );
}

errorPage.statusOf = (error: unknown): ContentfulStatusCode => {
  if (error instanceof Unavailable || error instanceof Overloaded) return 503;
  return error instanceof DomainError ? httpStatusOf(error) : 500;
};
