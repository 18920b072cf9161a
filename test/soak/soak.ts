// Soak + faults: a steady load of calls (custom fields, transcripts), chats and recording uploads against a real
// earshot process on real Postgres with the Meilisearch stand-in as its engine, while in turn Postgres is
// stopped and started, the search engine goes down, earshot is killed with SIGKILL and restarted, and the
// CRM (a signed-webhook receiver) answers 500, 429 and times out.
// Clients behave like PBXes: a 503 is retried after its Retry-After, a refused connection after a pause.
// Afterwards: every call acknowledged with 2xx is in Postgres exactly once and in the search engine, every
// acknowledged recording reads back with its sha256, and no request got a 500 or hung. Prints a summary
// and exits 1 on any failed check. Loopback only, bounded (~5 min by default).
// Usage: npm run soak [-- --phase-seconds 40 --rate 40 --keep]
// It restarts the machine's Postgres cluster: do not run it beside other test runs.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { silence, speech } from '../support/audio.js';
import { spawnEarshot, startEarshot, type EarshotProcess } from '../support/earshot-process.js';
import { startMeilisearchStandIn } from '../support/meilisearch-stand-in.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { adminQuery, databaseUrl } from '../support/test-database.js';

const { values: args } = parseArgs({
  options: {
    'phase-seconds': { type: 'string', default: '40' },
    rate: { type: 'string', default: '40' },
    port: { type: 'string', default: '18480' },
    keep: { type: 'boolean', default: false },
  },
});
const PHASE_MS = Number(args['phase-seconds']) * 1000;
const RATE = Number(args.rate);
const PORT = Number(args.port);
const BASE = `http://127.0.0.1:${PORT}`;
const ADMIN_TOKEN = 'soak-admin-token-0123456789abcdef';
const REQUEST_TIMEOUT_MS = 15_000;
const MAX_OUTSTANDING = 32;
const tag = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const dbName = `earshot_soak_${tag}`;
const dbUrl = databaseUrl(dbName);

// ---- bookkeeping ----------------------------------------------------------------------------------
interface PhaseStats {
  name: string;
  sent: number;
  acked: number;
  refused503: number;
  refused503WithoutRetryAfter: number;
  networkErrors: number;
  server5xx: number;
  other4xx: number;
  hangs: number;
  skipped: number;
}
const phases: PhaseStats[] = [];
let phase: PhaseStats;
const newPhase = (name: string) => {
  phase = { name, sent: 0, acked: 0, refused503: 0, refused503WithoutRetryAfter: 0, networkErrors: 0, server5xx: 0, other4xx: 0, hangs: 0, skipped: 0 };
  phases.push(phase);
  console.log(`[${new Date().toISOString()}] phase: ${name}`);
};
const acked = new Map<string, string>(); // uid → communication id
const uploads = new Map<string, string>(); // communication id → sha256 of the uploaded recording
const ackedChats = new Map<string, string>(); // uid → communication id
const unexpected: string[] = [];

// ---- processes ------------------------------------------------------------------------------------
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'earshot-soak-'));
let earshot: EarshotProcess | undefined;

const earshotEnv = (meiliUrl: string) => ({
  DATABASE_URL: dbUrl,
  MEILI_URL: meiliUrl,
  MEILI_MASTER_KEY: 'soak-meili-key-0123456789',
  EARSHOT_ADMIN_TOKEN: ADMIN_TOKEN,
  EARSHOT_SECRET_KEY: 'soak-secret-key-0123456789abcdef0123456789',
  EARSHOT_DATA_DIR: dataDir,
  EARSHOT_PUBLIC_URL: BASE,
  EARSHOT_CRM_ALLOW: '127.0.0.1',
  EARSHOT_CRM_TIMEOUT_SECONDS: '2',
  EARSHOT_CRM_RETRY_MAX_SECONDS: '8',
  // The calls' recordings are never served (port 9): deliveries do not wait for them.
  EARSHOT_CRM_MEDIA_WAIT_SECONDS: '0',
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cluster = () => readdirSync('/etc/postgresql')[0]!;
const pgctl = (action: 'stop' | 'start') => execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', cluster(), 'main', action], { stdio: 'inherit' });

async function admin(route: string, body: unknown): Promise<Record<string, string>> {
  const res = await fetch(`${BASE}${route}`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${route}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, string>;
}

// ---- the load ---------------------------------------------------------------------------------------
type Attempt = { kind: 'ok'; body: string } | { kind: 'retry'; afterMs: number } | { kind: 'fail' };

/** One HTTP attempt, classified as a PBX would see it. */
async function attempt(url: string, init: RequestInit): Promise<Attempt> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') {
      phase.hangs++;
      unexpected.push(`${init.method} ${url}: no answer in ${REQUEST_TIMEOUT_MS} ms`);
      return { kind: 'retry', afterMs: 1000 };
    }
    phase.networkErrors++; // earshot is being killed or restarted: the connection is refused
    return { kind: 'retry', afterMs: 1000 };
  }
  const body = await res.text();
  if (res.ok) return { kind: 'ok', body };
  if (res.status === 503) {
    phase.refused503++;
    const retryAfter = Number(res.headers.get('retry-after'));
    if (!retryAfter) phase.refused503WithoutRetryAfter++;
    return { kind: 'retry', afterMs: Math.min(retryAfter || 1, 5) * 1000 };
  }
  if (res.status >= 500) phase.server5xx++;
  else phase.other4xx++;
  unexpected.push(`${init.method} ${url}: ${res.status} ${body.slice(0, 300)}`);
  return { kind: 'fail' };
}

async function withRetries(url: string, init: RequestInit): Promise<string | undefined> {
  for (let i = 0; i < 40; i++) {
    const outcome = await attempt(url, init);
    if (outcome.kind === 'ok') return outcome.body;
    if (outcome.kind === 'fail') return undefined;
    await sleep(outcome.afterMs);
  }
  unexpected.push(`${init.method} ${url}: gave up after 40 attempts`);
  return undefined;
}

const TOPICS = ['Поддержка', 'Продажи', 'Возврат', 'Жалоба'];
const TRANSCRIPTS = ['клиент просит возобновления доступа', 'оформить возврат за подписку', 'уточнение тарифа и роуминга', 'жалоба на качество связи'];

/**
 * A chat with three messages, posted twice (the platform re-sends the dialogue, the second time closed): stored
 * once, messages once, and delivered to the CRM once as chat.closed.
 */
async function oneChat(integration: { id: string; token: string }, n: number): Promise<void> {
  const uid = `soak-chat-${tag}-${n}`;
  const at = (s: number) => new Date(Date.UTC(2024, 0, 1) + n * 1000 + s * 1000).toISOString();
  const dialogue = {
    uid,
    operator_id: `op-${n % 10}`,
    started_at: at(0),
    channel: 'telegram',
    client: { id: `client-${n % 500}` },
    messages: [
      { id: 'm1', author: 'client', text: 'Здравствуйте, где мой заказ?', sent_at: at(1) },
      { id: 'm2', author: 'operator', text: 'Сейчас проверю', sent_at: at(2) },
      { id: 'm3', author: 'bot', text: 'Заказ передан в доставку', sent_at: at(3) },
    ],
  };
  const url = `${BASE}/api/v1/integrations/${integration.id}/chats`;
  const post = (body: unknown) => withRetries(url, { method: 'POST', headers: { authorization: integration.token, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const first = await post(dialogue);
  if (first === undefined || (await post({ ...dialogue, closed_at: at(4) })) === undefined) return;
  ackedChats.set(uid, (JSON.parse(first) as { id: string }).id);
}

async function oneCall(integration: { id: string; token: string }, n: number, recordings: Array<{ bytes: Buffer; sha256: string }>): Promise<void> {
  const uid = `soak-${tag}-${n}`;
  phase.sent++;
  const body = JSON.stringify({
    uid,
    operator_id: `op-${n % 10}`,
    started_at: new Date(Date.UTC(2024, 0, 1) + n * 1000).toISOString(),
    direction: n % 2 ? 'incoming' : 'outgoing',
    duration: 30 + (n % 600),
    client_phone_number: `+7912${String(1_000_000 + n)}`,
    media_url: `http://127.0.0.1:9/rec/${uid}.wav`,
    client: { id: `client-${n % 500}`, first_name: 'Ivan' },
    custom_fields: { topic: TOPICS[n % TOPICS.length], reopen_count: n % 5, flags: [`f${n % 3}`] },
    transcript: TRANSCRIPTS[n % TRANSCRIPTS.length],
  });
  const answer = await withRetries(`${BASE}/api/v1/integrations/${integration.id}/phone_calls`, { method: 'POST', headers: { authorization: integration.token, 'content-type': 'application/json' }, body });
  if (answer === undefined) return;
  const { id } = JSON.parse(answer) as { id: string };
  acked.set(uid, id);
  phase.acked++;
  if (n % 5 === 0) await oneChat(integration, n);
  if (n % 10 !== 0) return;
  const recording = recordings[n % recordings.length]!;
  const uploaded = await withRetries(`${BASE}/api/v1/integrations/${integration.id}/phone_calls/${uid}/recording`, {
    method: 'PUT',
    headers: { authorization: integration.token, 'content-type': 'audio/wav' },
    body: recording.bytes,
  });
  if (uploaded !== undefined) uploads.set(id, recording.sha256);
}

/** Posts calls at RATE per second until `until`, never more than MAX_OUTSTANDING at once. */
async function load(integration: { id: string; token: string }, recordings: Array<{ bytes: Buffer; sha256: string }>, state: { n: number; stop: boolean }) {
  const outstanding = new Set<Promise<void>>();
  const interval = 1000 / RATE;
  let next = performance.now();
  while (!state.stop) {
    if (outstanding.size >= MAX_OUTSTANDING) phase.skipped++;
    else {
      const job = oneCall(integration, state.n++, recordings).finally(() => outstanding.delete(job));
      outstanding.add(job);
    }
    next += interval;
    await sleep(Math.max(0, next - performance.now()));
  }
  await Promise.all(outstanding);
}

// ---- checks -----------------------------------------------------------------------------------------
interface Check {
  name: string;
  expected: string;
  found: string;
  ok: boolean;
}

async function verify(meiliDocuments: Map<string, Record<string, unknown>> | undefined, receiver: WebhookReceiver): Promise<Check[]> {
  const checks: Check[] = [];
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ uid: string; id: string; n: string }>(
      `SELECT uid, min(id::text) AS id, count(*) AS n FROM communications WHERE uid = ANY($1) GROUP BY uid`,
      [[...acked.keys()]],
    );
    const found = new Map(rows.map((r) => [r.uid, r]));
    const missing = [...acked.keys()].filter((uid) => !found.has(uid));
    const doubled = rows.filter((r) => Number(r.n) !== 1);
    const wrongId = [...acked].filter(([uid, id]) => found.get(uid)?.id !== id);
    checks.push({ name: 'acknowledged calls in Postgres exactly once', expected: `${acked.size}`, found: `${rows.length} (missing ${missing.length}, doubled ${doubled.length}, other id ${wrongId.length})`, ok: missing.length === 0 && doubled.length === 0 && wrongId.length === 0 });
    const { rows: chats } = await client.query<{ id: string; n: string }>(
      `SELECT c.id, (SELECT count(*) FROM messages m WHERE m.communication_id = c.id) AS n FROM communications c WHERE c.uid = ANY($1)`,
      [[...ackedChats.keys()]],
    );
    const chatIds = new Set(chats.map((c) => c.id));
    const wrongMessages = chats.filter((c) => Number(c.n) !== 3).length;
    checks.push({ name: 'acknowledged chats in Postgres once, 3 messages each', expected: `${ackedChats.size}`, found: `${chats.length} (wrong message count ${wrongMessages})`, ok: chats.length === ackedChats.size && [...ackedChats.values()].every((id) => chatIds.has(id)) && wrongMessages === 0 });
    const { rows: deliveries } = await client.query<{ state: string; delivery_key: string; last_error: string | null }>(`SELECT state, delivery_key, last_error FROM crm_deliveries`);
    const delivered = deliveries.filter((d) => d.state === 'delivered');
    const dead = deliveries.filter((d) => d.state === 'dead');
    const unsettled = deliveries.length - delivered.length - dead.length;
    const notApplied = delivered.filter((d) => !receiver.applied.has(d.delivery_key)).length;
    checks.push({
      name: 'CRM: one delivery per acknowledged call/chat, each applied once or dead with a reason',
      expected: `${acked.size + ackedChats.size}`,
      found: `${deliveries.length} (delivered ${delivered.length}, dead ${dead.length}, unsettled ${unsettled}, delivered but not applied ${notApplied}; receiver applied ${receiver.applied.size} of ${receiver.received.length} requests)`,
      ok: deliveries.length === acked.size + ackedChats.size && unsettled === 0 && notApplied === 0 && receiver.applied.size === delivered.length && dead.every((d) => !!d.last_error),
    });
    const { rows: pending } = await client.query<{ topic: string; state: string; n: string }>(`SELECT topic, state, count(*) AS n FROM outbox WHERE topic = 'search' GROUP BY topic, state`);
    checks.push({ name: 'search outbox drained', expected: '0 pending, 0 dead', found: pending.map((p) => `${p.state} ${p.n}`).join(', ') || '0', ok: pending.length === 0 });
  } finally {
    await client.end();
  }
  const indexed = [...acked.values()].filter((id) => meiliDocuments?.has(id));
  checks.push({ name: 'acknowledged calls in the search engine', expected: `${acked.size}`, found: `${indexed.length}`, ok: indexed.length === acked.size });
  const chatsIndexed = [...ackedChats.values()].filter((id) => meiliDocuments?.has(id));
  checks.push({ name: 'acknowledged chats in the search engine', expected: `${ackedChats.size}`, found: `${chatsIndexed.length}`, ok: chatsIndexed.length === ackedChats.size });

  let intact = 0;
  const broken: string[] = [];
  for (const [id, sha256] of uploads) {
    const view = (await (await fetch(`${BASE}/api/v1/communications/${id}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as { media?: { url?: string } | null };
    const url = view.media?.url;
    const bytes = url ? Buffer.from(await (await fetch(url.startsWith('http') ? url : `${BASE}${url}`)).arrayBuffer()) : Buffer.alloc(0);
    if (createHash('sha256').update(bytes).digest('hex') === sha256) intact++;
    else broken.push(id);
  }
  checks.push({ name: 'acknowledged recordings read back intact (sha256)', expected: `${uploads.size}`, found: `${intact}${broken.length ? ` (broken: ${broken.slice(0, 3).join(', ')})` : ''}`, ok: intact === uploads.size });

  const total = (key: keyof PhaseStats) => phases.reduce((sum, p) => sum + (p[key] as number), 0);
  checks.push({ name: 'no 500s, no unexpected 4xx', expected: '0', found: `${total('server5xx')} 5xx, ${total('other4xx')} 4xx`, ok: total('server5xx') === 0 && total('other4xx') === 0 });
  checks.push({ name: 'no request hung (15 s)', expected: '0', found: `${total('hangs')}`, ok: total('hangs') === 0 });
  checks.push({ name: 'every 503 carried Retry-After', expected: '0 without', found: `${total('refused503')} 503s, ${total('refused503WithoutRetryAfter')} without`, ok: total('refused503WithoutRetryAfter') === 0 });
  const outage = phases.find((p) => p.name.startsWith('postgres'))!;
  checks.push({ name: 'Postgres outage answered with 503 (not 500)', expected: '> 0 503s', found: `${outage.refused503}`, ok: outage.refused503 > 0 && outage.server5xx === 0 });
  return checks;
}

function table(rows: Array<Record<string, string | number | boolean>>): string {
  const keys = Object.keys(rows[0] ?? {});
  const width = keys.map((k) => Math.max(k.length, ...rows.map((r) => String(r[k]).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(width[i]!)).join(' | ');
  return [line(keys), width.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map((r) => line(keys.map((k) => String(r[k]))))].join('\n');
}

// ---- the run ----------------------------------------------------------------------------------------
async function main() {
  const started = Date.now();
  const recordings = [speech('первая запись разговора'), speech('вторая запись'), silence(3)].map((file) => {
    const bytes = readFileSync(file);
    return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
  });
  await adminQuery(`CREATE DATABASE "${dbName}"`);
  const engine = await startMeilisearchStandIn();
  const receiver = await startWebhookReceiver();
  const state = { n: 0, stop: false };
  try {
    earshot = await startEarshot(earshotEnv(engine.url), PORT);
    const integration = (await admin('/api/v1/admin/integrations', { name: 'soak' })) as unknown as { id: string; token: string };
    for (let i = 0; i < 10; i++) await admin('/api/v1/admin/operators', { external_id: `op-${i}` });
    await admin('/api/v1/admin/custom_fields', { key: 'topic', name: 'Topic', type: 'string', used_for_filtering: true });
    await admin('/api/v1/admin/custom_fields', { key: 'reopen_count', name: 'Reopen count', type: 'number', used_for_filtering: true });
    await admin('/api/v1/admin/custom_fields', { key: 'flags', name: 'Flags', type: 'string_array', used_for_filtering: true });
    const connector = await admin('/api/v1/admin/crm_connectors', { name: 'soak hook', kind: 'webhook', config: { url: receiver.url }, rules: { events: ['call.finished', 'call.missed', 'chat.closed'] } });
    receiver.secret = (connector as unknown as { secrets: { signing_secret: string } }).secrets.signing_secret;

    newPhase('steady');
    const running = load(integration, recordings, state);
    await sleep(PHASE_MS);

    newPhase('postgres stopped 8 s, then started');
    pgctl('stop');
    await sleep(8000);
    pgctl('start');
    await sleep(PHASE_MS);

    newPhase('search engine down');
    engine.down = true;
    await sleep(PHASE_MS);
    engine.down = false;

    newPhase('earshot SIGKILL, restarted after 2 s');
    await earshot.stop('SIGKILL');
    await sleep(2000);
    earshot = await spawnEarshot(earshotEnv(engine.url), PORT);
    await sleep(PHASE_MS);

    newPhase('CRM answers 500, 429 and times out');
    for (let i = 0; i < 3000; i++) receiver.script.push([{ status: 500 }, { status: 429, retryAfter: '2' }, { status: 200, delayMs: 3000 }][i % 3]!);
    await sleep(PHASE_MS);
    receiver.script.length = 0;

    newPhase('steady again');
    await sleep(PHASE_MS / 2);
    state.stop = true;
    await running;

    // Drain: the backlog built up while the engine was down goes in now.
    const drainUntil = Date.now() + 180_000;
    for (;;) {
      const ready = (await (await fetch(`${BASE}/readyz`)).json()) as { outbox?: { search?: { pending: number } } };
      if (ready.outbox?.search?.pending === 0) break;
      if (Date.now() > drainUntil) break;
      await sleep(500);
    }
    // And the CRM backlog: retries are at most 8 s apart here (EARSHOT_CRM_RETRY_MAX_SECONDS).
    const crmUntil = Date.now() + 120_000;
    for (;;) {
      const client = new pg.Client({ connectionString: dbUrl });
      await client.connect();
      const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM crm_deliveries WHERE state IN ('pending', 'paused')`);
      await client.end();
      if (Number(rows[0]!.n) === 0 || Date.now() > crmUntil) break;
      await sleep(1000);
    }
    const checks = await verify(engine.documents.get('communications'), receiver);
    console.log(`\nsoak run ${tag}: ${((Date.now() - started) / 1000).toFixed(0)} s, ${RATE} calls/s offered, recording upload every 10th call\n`);
    console.log(table(phases.map((p) => ({ ...p }))));
    console.log('');
    console.log(table(checks.map((c) => ({ check: c.name, expected: c.expected, found: c.found, result: c.ok ? 'ok' : 'FAILED' }))));
    if (unexpected.length > 0) console.log(`\nunexpected answers (first 10):\n${unexpected.slice(0, 10).join('\n')}`);
    if (checks.some((c) => !c.ok)) {
      console.log(`\nearshot log (tail):\n${earshot.output().slice(-4000)}`);
      process.exitCode = 1;
    }
  } finally {
    state.stop = true;
    await earshot?.stop();
    await engine.close();
    await receiver.close();
    if (!args.keep) {
      await adminQuery(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`).catch(() => {});
      rmSync(dataDir, { recursive: true, force: true });
    } else console.log(`kept database ${dbName} and data dir ${dataDir}`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
