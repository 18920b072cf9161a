// Secrets never reach the log: earshot runs at debug level (every request logged) with a password in
// DATABASE_URL, a Meilisearch key, an admin token and a secret key, and is driven through what handles
// secrets — admin calls with right and wrong tokens, integration tokens shown, used, rotated and guessed,
// a pull source whose database URL carries a password (accepted once, refused once). Then every secret is
// looked for in everything the process wrote.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/context.js';
import { startEarshot, type EarshotProcess } from '../support/earshot-process.js';
import { startMeilisearchStandIn, type MeilisearchStandIn } from '../support/meilisearch-stand-in.js';
import { dropDatabase } from '../support/test-database.js';

const SECRETS = {
  adminToken: 'Admin-Token-Redaction-5f1c9e-0123456789abcdef',
  secretKey: 'Secret-Key-Redaction-0123456789abcdef-77aa',
  meiliKey: 'Meili-Key-Redaction-4d2b8a',
  databasePassword: 'Db-Password-Redaction-93c1',
  sourcePassword: 'Source-Password-Redaction-61e0',
  wrongAdminToken: 'Wrong-Admin-Guess-Redaction-2b7f',
  wrongIntegrationToken: 'esi_Wrong-Integration-Guess-8c3d',
};
const issued: string[] = []; // integration tokens shown once by the API

let database: { name: string; url: string };
let standIn: MeilisearchStandIn;
let earshot: EarshotProcess;
let base = '';

const withPassword = (url: string, password: string) => {
  const u = new URL(url);
  u.password = password;
  return u.toString();
};

beforeAll(async () => {
  database = await createTestDatabase();
  standIn = await startMeilisearchStandIn();
  earshot = await startEarshot({
    // The test server trusts local connections, so any password is accepted: it only has to be there.
    DATABASE_URL: withPassword(database.url, SECRETS.databasePassword),
    MEILI_URL: standIn.url,
    MEILI_MASTER_KEY: SECRETS.meiliKey,
    EARSHOT_ADMIN_TOKEN: SECRETS.adminToken,
    EARSHOT_SECRET_KEY: SECRETS.secretKey,
    LOG_LEVEL: 'debug',
  });
  base = earshot.base;
}, 60_000);

afterAll(async () => {
  await earshot?.stop('SIGKILL');
  await standIn?.close();
  if (database) await dropDatabase(database.name);
});

const call = (route: string, init: { method?: string; token?: string; body?: unknown } = {}) =>
  fetch(`${base}${route}`, {
    method: init.method ?? 'POST',
    headers: { authorization: `Bearer ${init.token ?? SECRETS.adminToken}`, 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });

describe('log redaction', () => {
  it('writes no secret anywhere in its output, at debug level', async () => {
    // Admin API with the right token and a wrong one.
    expect((await call('/api/v1/admin/integrations', { method: 'GET' })).status).toBe(200);
    expect((await call('/api/v1/admin/integrations', { method: 'GET', token: SECRETS.wrongAdminToken })).status).toBe(401);

    // An integration token: issued, used bare and as Bearer, rotated, guessed.
    const integration = (await (await call('/api/v1/admin/integrations', { body: { name: 'pbx' } })).json()) as { id: string; token: string };
    issued.push(integration.token);
    expect((await call('/api/v1/admin/operators', { body: { external_id: 'op-1' } })).status).toBe(201);
    const postCall = (token: string, uid: string, bearer: boolean) =>
      fetch(`${base}/api/v1/integrations/${integration.id}/phone_calls`, {
        method: 'POST',
        headers: { authorization: bearer ? `Bearer ${token}` : token },
        body: JSON.stringify({ uid, operator_id: 'op-1', started_at: '2024-05-14T10:00:00Z', direction: 'incoming', duration: 5, media_url: 'http://127.0.0.1:9/r.wav' }),
      });
    expect((await postCall(integration.token, 'a', false)).status).toBe(201);
    expect((await postCall(integration.token, 'b', true)).status).toBe(201);
    expect((await postCall(SECRETS.wrongIntegrationToken, 'c', true)).status).toBe(401);
    const rotated = (await (await call(`/api/v1/admin/integrations/${integration.id}/rotate_token`)).json()) as { token: string };
    issued.push(rotated.token);
    expect((await postCall(rotated.token, 'd', false)).status).toBe(201);
    expect((await postCall(integration.token, 'e', false)).status).toBe(401);

    // A pull source whose database URL carries a password: shown back hidden, refused once unreachable.
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query('CREATE TABLE redaction_cdr (calldate timestamp, src text, dst text, duration int, billsec int, disposition text, uniqueid text, linkedid text, recordingfile text)');
    await client.end();
    const sourceUrl = withPassword(database.url, SECRETS.sourcePassword);
    const created = await call('/api/v1/admin/sources', {
      body: { name: 'cdr', kind: 'asterisk_cdr_sql', integration_id: integration.id, schedule: '0 3 * * *', config: { url: sourceUrl, table: 'redaction_cdr' } },
    });
    const createdText = await created.text();
    expect(created.status, createdText).toBe(201);
    expect(createdText).not.toContain(SECRETS.sourcePassword);
    const refused = await call('/api/v1/admin/sources', {
      body: { name: 'cdr2', kind: 'asterisk_cdr_sql', integration_id: integration.id, schedule: '0 3 * * *', config: { url: withPassword('mysql://root@127.0.0.1:1/asteriskcdrdb', SECRETS.sourcePassword) } },
    });
    const refusedText = await refused.text();
    expect(refused.status, refusedText).toBe(422);
    expect(refusedText).not.toContain(SECRETS.sourcePassword);

    // A search through the Meilisearch stand-in (the key travels in a header).
    await call('/api/v1/communications/search', { body: {} });

    await earshot.stop();
    const output = earshot.output();

    // The log is there and detailed (one line per request at debug): the test would notice silence.
    const lines = output.split('\n').filter(Boolean);
    expect(lines.filter((l) => l.includes('"msg":"request"')).length).toBeGreaterThanOrEqual(10);
    for (const [name, secret] of Object.entries(SECRETS)) expect(output.includes(secret), `${name} leaked into the log`).toBe(false);
    for (const token of issued) expect(output.includes(token), 'an integration token leaked into the log').toBe(false);
  }, 60_000);
});
