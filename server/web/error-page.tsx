// The console's error answers: an HTML page with the status that fits the error.
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { Conflict, DomainError, Forbidden, NotFound, PayloadTooLarge, TooManyRequests, Unauthorized, Unavailable, Unprocessable } from '../domain/errors.js';
import type { ConsoleContext, Render } from './page.js';

export function errorPage(c: ConsoleContext, render: Render, status: ContentfulStatusCode, message: string) {
  const titles: Partial<Record<number, string>> = { 401: 'Sign in first', 403: 'Refused', 404: 'Not found', 413: 'Too large', 422: 'Cannot do that', 429: 'Too many attempts', 503: 'Unavailable' };
  return render(
    c,
    titles[status] ?? 'Error',
    <div>
      <p class="alert" role="alert">
        {message}
      </p>
      <p>
        <a href="/console">Back to the console</a>
      </p>
    </div>,
    status,
  );
}

errorPage.statusOf = (error: unknown): ContentfulStatusCode => {
  if (error instanceof Unavailable) return 503;
  if (!(error instanceof DomainError)) return 500;
  if (error instanceof Unauthorized) return 401;
  if (error instanceof Forbidden) return 403;
  if (error instanceof NotFound) return 404;
  if (error instanceof Conflict) return 409;
  if (error instanceof PayloadTooLarge) return 413;
  if (error instanceof Unprocessable) return 422;
  if (error instanceof TooManyRequests) return 429;
  return 400;
};
