// Signs in to the console through its own forms (app.request), keeping the cookies and the CSRF token.
import { ADMIN_TOKEN, type TestContext } from './context.js';

export interface ConsoleClient {
  get(path: string): Response | Promise<Response>;
  post(path: string, fields: Record<string, string>, options?: { csrf?: string | null }): Response | Promise<Response>;
  csrf: string;
  cookie: string;
}

const cookieOf = (res: Response, name: string) => {
  const header = res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  return header?.split(';')[0];
};

export const csrfIn = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1];

export async function openLogin(ctx: TestContext): Promise<{ cookie: string; csrf: string }> {
  const res = await ctx.app.request('/console/login');
  return { cookie: cookieOf(res, 'earshot_login')!, csrf: csrfIn(await res.text())! };
}

/** Signs in with the admin token (the owner) or a user's email and password. */
export async function signIn(ctx: TestContext, credentials: string | { email: string; password: string } = ADMIN_TOKEN): Promise<ConsoleClient> {
  const login = await openLogin(ctx);
  const fields = typeof credentials === 'string' ? { token: credentials } : credentials;
  const res = await ctx.app.request('/console/login', {
    method: 'POST',
    headers: { cookie: login.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: login.csrf, ...fields, next: '/console' }).toString(),
  });
  if (res.status !== 303) throw new Error(`sign-in: ${res.status} ${await res.text()}`);
  const cookie = cookieOf(res, 'earshot_session')!;
  const page = await ctx.app.request('/console/overview', { headers: { cookie } });
  const csrf = csrfIn(await page.text())!;
  return {
    cookie,
    csrf,
    get: (path) => ctx.app.request(path, { headers: { cookie } }),
    post: (path, fields, options = {}) => {
      const token = options.csrf === undefined ? csrf : options.csrf;
      const body = new URLSearchParams(token === null ? fields : { _csrf: token, ...fields });
      return ctx.app.request(path, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() });
    },
  };
}
