// The admin console in a real browser (Debian's Chromium): sign in, define a custom field, post calls
// through the API (one with a real recording), filter the list by that field, open the call, play and
// seek the recording (206 from the server, player's currentTime moved). Every page: labelled controls,
// keyboard reachable, no console errors, a screenshot under test-results/screenshots.
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesOf, speech } from '../support/audio.js';
import { collectConsoleErrors, launchChromium, screenshot, unlabelledControls } from '../support/browser.js';
import { ADMIN_TOKEN, createTestContext, type TestContext } from '../support/context.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { DestinationPolicy } from '../../server/media/destination-policy.js';
import { createIntegration, createOperator, type Integration } from '../support/fixtures.js';

let ctx: TestContext;
let server: ServerType;
let base: string;
let browser: Browser;
let page: Page;
let consoleErrors: string[];
let integration: Integration;
let receiver: WebhookReceiver;
const mediaStatuses: number[] = [];

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  ctx = await createTestContext({ settings: { crm: { mediaWaitSeconds: 0, limits: { timeoutMs: 1000, maxResponseBytes: 65536, policy: new DestinationPolicy(['127.0.0.1']) } } } });
  integration = await createIntegration(ctx, { name: 'Office PBX' });
  await createOperator(ctx, { external_id: 'anna@example.com', first_name: 'Anna' });
  server = serve({ fetch: ctx.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium();
  page = await browser.newPage();
  consoleErrors = collectConsoleErrors(page);
  page.on('response', (res) => {
    if (new URL(res.url()).pathname.startsWith('/media/')) mediaStatuses.push(res.status());
  });
  page.on('dialog', (dialog) => void dialog.accept());
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  await ctx?.close();
  await receiver?.close();
});

async function checkPage(name: string) {
  expect(await unlabelledControls(page), `${name}: unlabelled controls`).toEqual([]);
  await screenshot(page, name);
}

const postCall = (body: Record<string, unknown>) =>
  fetch(`${base}/api/v1/integrations/${integration.id}/phone_calls`, {
    method: 'POST',
    headers: { authorization: integration.token, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('admin console in Chromium', () => {
  it('signs in with the admin token, from the page first asked for', async () => {
    await page.goto(`${base}/console/communications`);
    expect(new URL(page.url()).pathname).toBe('/console/login');
    await checkPage('01-login');
    await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/console/communications`);
    await expect.poll(() => page.title()).toBe('Communications · earshot');
  });

  it('reaches the skip link and the navigation by keyboard', async () => {
    await page.goto(`${base}/console/overview`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent.trim()')).toBe('Skip to content');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent.trim()')).toBe('Overview');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Enter');
    expect(await page.evaluate('document.activeElement.id')).toBe('main');
    await page.goto(`${base}/console/overview`);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/console/communications`);
    await page.goto(`${base}/console/overview`);
    expect(await page.getByTestId('migrations').textContent()).toMatch(/applied/);
    await checkPage('02-overview');
  });

  it('creates an enum custom field used for filtering', async () => {
    await page.goto(`${base}/console/custom-fields`);
    await page.getByLabel('Key').fill('queue');
    await page.getByLabel('Name').fill('Queue');
    await page.getByLabel('Type').selectOption('enum');
    await page.getByLabel('Options (enum only, one per line)').fill('sales\nsupport');
    await page.getByLabel('Used for filtering').check();
    await page.getByRole('button', { name: 'Create field' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Saved “queue”. Search index settings applied.');
    await checkPage('03-custom-fields');
  });

  it('filters the list by the new field, with the filter in the URL', async () => {
    const transcript = [
      { speaker: 'operator', start: 0, end: 1.2, text: 'Здравствуйте, отдел продаж' },
      { speaker: 'client', start: 1.2, end: 2.5, text: 'Хочу оплатить подписку' },
    ];
    const sales = await postCall({ operator_id: 'anna@example.com', started_at: '2024-05-02T10:00:00+03:00', uid: 'call-sales', media_url: 'http://127.0.0.1:9/sales.wav', duration: 3, client_phone_number: '+79991234567', custom_fields: { queue: 'sales' }, transcript, tags: ['vip'] });
    expect(sales.status).toBe(201);
    const support = await postCall({ operator_id: 'anna@example.com', started_at: '2024-05-02T11:00:00+03:00', uid: 'call-support', media_url: 'http://127.0.0.1:9/none.wav', custom_fields: { queue: 'support' } });
    expect(support.status).toBe(201);
    const upload = await fetch(`${base}/api/v1/integrations/${integration.id}/phone_calls/call-sales/recording`, {
      method: 'PUT',
      headers: { authorization: integration.token, 'content-type': 'audio/wav' },
      body: bytesOf(speech('Здравствуйте, отдел продаж. Хочу оплатить подписку на год.')),
    });
    expect(upload.status).toBe(200);
    await ctx.services.searchSync.drain();

    await page.goto(`${base}/console/communications`);
    await expect.poll(() => page.locator('table.results tbody tr').count()).toBe(2);
    await page.getByLabel('Queue').selectOption('sales');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/cf\.queue=sales/);
    await expect.poll(() => page.locator('table.results tbody tr').count()).toBe(1);
    expect(await page.locator('table.results tbody').textContent()).toContain('vip');
    await checkPage('04-communications-filtered');

    // Full text from the keyboard: type and press Enter.
    await page.getByLabel(/Full text/).fill('подписку');
    await page.keyboard.press('Enter');
    await page.waitForURL(/q=/);
    await expect.poll(() => page.locator('table.results mark').first().textContent()).toMatch(/подписк/i);
  });

  it('opens the call, plays the recording and seeks from a transcript segment', async () => {
    await page.locator('table.results tbody tr a').first().click();
    await page.waitForURL(/\/console\/communications\/[0-9a-f-]{36}\?q=/);
    expect(await page.getByTestId('custom-fields').textContent()).toContain('sales');
    expect(await page.locator('.transcript mark').first().textContent()).toBe('подписку');
    await page.waitForFunction("document.getElementById('player').readyState >= 1");
    const duration = Number(await page.evaluate("document.getElementById('player').duration"));
    expect(duration).toBeGreaterThan(2);

    await page.getByRole('button', { name: 'Play from 0:01' }).click();
    await page.waitForFunction("document.getElementById('player').currentTime >= 1.2", undefined, { timeout: 10_000 });
    const position = Number(await page.evaluate("document.getElementById('player').currentTime"));
    expect(position).toBeGreaterThanOrEqual(1.2);
    expect(mediaStatuses).toContain(206);
    await page.evaluate("document.getElementById('player').pause()");
    await checkPage('05-communication');
  });

  it('creates an integration and shows its token once, with working copy buttons', async () => {
    await page.goto(`${base}/console/integrations`);
    await page.getByLabel('Name').fill('Branch office');
    await page.getByLabel('Default time zone').fill('Europe/Moscow');
    await page.getByRole('button', { name: 'Create integration' }).click();
    await expect.poll(() => page.title()).toBe('Integration “Branch office” created · earshot');
    const token = (await page.getByTestId('token').textContent())!.trim();
    expect(token).toMatch(/^esi_/);
    await page.getByRole('button', { name: 'Copy token' }).click();
    await expect.poll(() => page.locator('#token-copied').textContent()).toMatch(/Copied|Selected/);
    await checkPage('06-integration-token');
    await page.goto(`${base}/console/integrations`);
    expect(await page.content()).not.toContain(token);
    await checkPage('07-integrations');
  });

  it('shows operators, custom field editing, and the pull source form', async () => {
    await page.goto(`${base}/console/operators`);
    await checkPage('08-operators');
    await page.goto(`${base}/console/custom-fields/queue`);
    expect(await page.locator('#index-note').isHidden()).toBe(true);
    await page.getByLabel('Used for filtering').uncheck();
    expect(await page.locator('#index-note').isVisible()).toBe(true);
    await checkPage('09-custom-field-edit');
    await page.goto(`${base}/console/sources/new?kind=asterisk_cdr_sql`);
    await page.getByLabel('Name').fill('CDR database');
    await page.getByLabel('Schedule (cron)').fill('every five minutes');
    await page.getByLabel('url', { exact: true }).fill('ftp://pbx/cdr');
    const before = consoleErrors.length;
    await page.getByRole('button', { name: 'Create source' }).click();
    await expect.poll(() => page.locator('#f-schedule-error').textContent()).toMatch(/cron expression/);
    // The refused form comes back as 422, which Chromium logs; that one is expected, nothing else.
    expect(consoleErrors.splice(before)).toEqual(['Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)']);
    expect(await page.locator('#f-config_url-error').textContent()).toMatch(/postgres/);
    await checkPage('10-source-errors');
    await page.goto(`${base}/console/sources`);
    await checkPage('11-sources');
  });

  it('creates a webhook connector and replays a dead delivery from the call page', async () => {
    await ctx.services.crmDeliveries.run(); // the calls posted before any connector existed go nowhere
    await page.goto(`${base}/console/crm`);
    await page.getByLabel('Name').fill('Helpdesk hook');
    await page.getByLabel('Config (JSON)').fill(JSON.stringify({ url: receiver.url }));
    await page.getByRole('button', { name: 'Create connector' }).click();
    receiver.secret = (await page.getByTestId('secrets').textContent())!.match(/whsec_[A-Za-z0-9+/=]+/)![0];
    await checkPage('12-crm-connector-created');

    receiver.script.push({ status: 400 });
    const res = await postCall({ operator_id: 'anna@example.com', started_at: '2024-03-01T12:00:00+03:00', uid: 'crm-replay', media_url: 'https://pbx.example/r.wav', duration: 12 });
    const { id } = (await res.json()) as { id: string };
    await ctx.services.crmDeliveries.run();
    await page.goto(`${base}/console/communications/${id}`);
    expect(await page.getByTestId('deliveries').locator('td[data-state]').textContent()).toBe('dead');
    await page.getByRole('button', { name: 'Replay the call.finished delivery' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Replay this delivery?' }).count()).toBe(1);
    await page.getByRole('button', { name: 'Replay', exact: true }).click();
    await ctx.services.crmDeliveries.run();
    await page.goto(`${base}/console/communications/${id}`);
    expect(await page.getByTestId('deliveries').locator('td[data-state]').textContent()).toBe('delivered');
    expect(receiver.applied.size).toBe(1);
    await checkPage('13-call-with-delivery');
    await page.goto(`${base}/console/crm?state=delivered`);
    await checkPage('14-crm-delivery-log');
  });

  it('logged no console errors on any page', () => {
    expect(consoleErrors).toEqual([]);
  });
});
