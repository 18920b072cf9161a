// The console's language (issue 17 item 5): the sign-in page follows Accept-Language; a signed-in user's own
// locale wins over the browser's; the page frame, navigation, errors and the lockout message come from the
// catalogue, the lockout with a Russian plural.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.js';
import { openLogin, signIn } from '../support/console.js';

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext({ settings: { authFailures: { maxFailures: 2, windowSeconds: 60 } } });
  await ctx.admin('POST', '/api/v1/admin/users', { email: 'ru@cc.example', name: 'Света', role: 'supervisor', locale: 'ru', password: 'sveta password 1' });
  await ctx.admin('POST', '/api/v1/admin/users', { email: 'en@cc.example', name: 'Sam', role: 'admin', locale: 'en', password: 'sam password 12' });
});
afterAll(() => ctx.close());

const get = (path: string, headers: Record<string, string> = {}) => ctx.app.request(path, { headers });

describe('console language', () => {
  it('shows the sign-in page in the browser’s language', async () => {
    const ru = await (await get('/console/login', { 'accept-language': 'ru-RU,ru;q=0.9,en;q=0.8' })).text();
    expect(ru).toContain('<html lang="ru">');
    expect(ru).toContain('Эл. почта');
    expect(ru).toContain('Владелец: вход по токену администратора');
    expect(ru).toContain('<title>Вход · earshot</title>');
    const en = await (await get('/console/login', { 'accept-language': 'de, en;q=0.5' })).text();
    expect(en).toContain('<html lang="en">');
    expect(en).toContain('Owner: sign in with the admin token');
    expect(await (await get('/console/login')).text()).toContain('<html lang="en">');
  });

  it('uses the signed-in user’s locale over the browser’s', async () => {
    const ru = await signIn(ctx, { email: 'ru@cc.example', password: 'sveta password 1' });
    const page = await ctx.app.request('/console/communications', { headers: { cookie: ru.cookie, 'accept-language': 'en' } });
    const html = await page.text();
    expect(html).toContain('<html lang="ru">');
    expect(html).toContain('>Коммуникации</a>');
    expect(html).toContain('Выйти');
    // The communications list: its form, filters and results in Russian.
    for (const text of ['Полнотекстовый поиск', '<legend>Фильтры</legend>', 'Сначала новые', 'Входящий', 'Длительность, с от', 'Результаты', 'около 0', 'Под эти условия ничего не подходит.']) expect(html, text).toContain(text);
    const refused = await ctx.app.request('/console/operators', { headers: { cookie: ru.cookie } });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('Вашей роли эта страница недоступна.');
    const en = await signIn(ctx, { email: 'en@cc.example', password: 'sam password 12' });
    const english = await (await ctx.app.request('/console/operators', { headers: { cookie: en.cookie, 'accept-language': 'ru' } })).text();
    expect(english).toContain('>Communications</a>');
    expect(english).toContain('Sign out');
  });

  it('shows the overview in Russian to a Russian-speaking admin, with plural forms', async () => {
    await ctx.admin('POST', '/api/v1/admin/users', { email: 'glavny@cc.example', name: 'Главный', role: 'admin', locale: 'ru', password: 'glavny password' });
    const client = await signIn(ctx, { email: 'glavny@cc.example', password: 'glavny password' });
    const html = await (await client.get('/console/overview')).text();
    for (const text of ['<title>Обзор · earshot</title>', 'За последний час', 'Хранилище записей', 'Фоновые задания', '0 файлов', 'Источников нет.']) expect(html, text).toContain(text);
    expect(html).toMatch(/data-testid="migrations">применено (\d+) из \1/);
  });

  it('says wrong credentials and the lockout in Russian, with the plural of the seconds', async () => {
    const post = async (password: string) => {
      const login = await openLogin(ctx);
      return ctx.app.request('/console/login', {
        method: 'POST',
        headers: { cookie: login.cookie, 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'ru' },
        body: new URLSearchParams({ _csrf: login.csrf, email: 'ru@cc.example', password, next: '/console' }).toString(),
      });
    };
    const wrong = await post('wrong password');
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('Неверная эл. почта или пароль.');
    await post('wrong again!!');
    const locked = await post('sveta password 1');
    expect(locked.status).toBe(429);
    expect(await locked.text()).toMatch(/повторите через \d+ секунд[уы]?\./);
  });
});
