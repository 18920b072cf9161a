// The console's error answers: an HTML page with the status that fits the error.
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { DomainError, httpStatusOf, Overloaded, Unavailable } from '../domain/errors.js';
import type { ConsoleContext, Render } from './page.js';

export function errorPage(c: ConsoleContext, render: Render, status: ContentfulStatusCode, message: string) {
  const titles: Partial<Record<number, string>> = { 401: 'Sign in first', 403: 'Refused', 404: 'Not found', 413: 'Too large', 415: 'Not a form', 422: 'Cannot do that', 429: 'Too many attempts', 503: 'Unavailable' };
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
  if (error instanceof Unavailable || error instanceof Overloaded) return 503;
  return error instanceof DomainError ? httpStatusOf(error) : 500;
};
