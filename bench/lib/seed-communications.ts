// Synthetic communications for the benchmarks: fixed-seed data (Russian transcripts, ten custom fields of
// every type) loaded with COPY, and the Postgres search index rebuilt over it.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sql, type Kysely } from 'kysely';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Database } from '../../server/db/schema.js';
import type { Services } from '../../server/services/index.js';

/** mulberry32: a small, fixed-seed PRNG so every run seeds the same data. */
export function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const WORDS = (
  'здравствуйте добрый день клиент оператор звонок доступа доступ возобновления возобновление кабинет личный пароль ' +
  'заказ доставка возврат деньги оплата карта счёт тариф роуминг интернет связь качество жалоба претензия ' +
  'подписка отмена продление скидка акция договор номер телефона адрес курьер склад срок неделя месяц ' +
  'спасибо пожалуйста минуту уточните проверьте сообщите ошибка приложение сайт вход логин блокировка ' +
  'разблокировка документы паспорт перевод баланс списание начисление бонусы консультация менеджер'
).split(' ');
export const TOPICS = Array.from({ length: 20 }, (_, i) => `Тема ${i}`);
export const REGIONS = Array.from({ length: 50 }, (_, i) => `Регион ${i}`);
export const MOODS = ['calm', 'angry', 'neutral'];
export const FIELDS: Array<Record<string, unknown>> = [
  { key: 'topic', type: 'string' },
  { key: 'level', type: 'number' },
  { key: 'due', type: 'datetime' },
  { key: 'vip', type: 'boolean' },
  { key: 'labels', type: 'string_array' },
  { key: 'scores', type: 'number_array' },
  { key: 'mood', type: 'enum', options: MOODS },
  { key: 'site', type: 'string_url' },
  { key: 'wait', type: 'duration' },
  { key: 'region', type: 'string' },
];
export const START = Date.UTC(2023, 0, 1);
export const SPAN_MS = 730 * 86_400_000;

/** COPY text format: backslash, tab, newline and carriage return escaped. */
const copyText = (value: string) => value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');

function* rows(count: number, integrationId: string, operators: string[], departments: string[]): Generator<string> {
  const random = prng(20261123);
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)]!;
  for (let i = 0; i < count; i++) {
    const operator = i % operators.length;
    const startedAt = new Date(START + Math.floor(random() * SPAN_MS)).toISOString();
    const words = Array.from({ length: 30 + Math.floor(random() * 60) }, () => pick(WORDS));
    const custom = {
      topic: pick(TOPICS),
      level: Math.floor(random() * 10),
      due: new Date(START + Math.floor(random() * SPAN_MS)).toISOString(),
      vip: random() < 0.1,
      labels: [`l${Math.floor(random() * 20)}`, `l${Math.floor(random() * 20)}`],
      scores: [Math.floor(random() * 5), Math.floor(random() * 5)],
      mood: pick(MOODS),
      site: `https://shop.example/orders/${i}`,
      wait: Math.round(random() * 6000) / 10,
      region: pick(REGIONS),
    };
    const phone = `+7912${String(1_000_000 + Math.floor(random() * 8_999_999))}`;
    yield [
      'call',
      integrationId,
      `bench-${i}`,
      operators[operator],
      departments[operator % departments.length],
      random() < 0.5 ? 'incoming' : 'outcoming',
      startedAt,
      String(Math.floor(random() * 900)),
      phone,
      phone,
      random() < 0.3 ? '\\N' : String(Math.floor(random() * 11)),
      copyText(JSON.stringify(custom)),
      `{${random() < 0.2 ? 'vip' : 'regular'}}`,
      copyText(JSON.stringify(words.join(' '))),
      '[]',
      '{}',
    ].join('\t') + '\n';
  }
}


/**
 * Seeds a fresh, migrated database the benchmarks share: an integration, two departments, 50 operators
 * (op-0…op-49), the ten custom fields (all filterable), `count` communications loaded with COPY, and the
 * Postgres search index rebuilt by the backfill. Reports progress on the console.
 */
export async function seedCommunications(pool: pg.Pool, db: Kysely<Database>, services: Services, count: number) {
  const integration = await services.integrations.create({ name: 'bench' });
  const departments = [(await services.departments.create({ name: 'A' })).id, (await services.departments.create({ name: 'B' })).id];
  const operators: string[] = [];
  for (let i = 0; i < 50; i++) operators.push((await services.operators.create({ external_id: `op-${i}` })).id);
  for (const field of FIELDS) await services.customFields.define({ name: String(field.key), used_for_filtering: true, ...field } as never);

  let t0 = performance.now();
  const client = await pool.connect();
  await pipeline(
    Readable.from(rows(count, integration.id, operators, departments)),
    client.query(
      copyFrom(`COPY communications (kind, integration_id, uid, operator_id, department_id, direction, started_at, duration_s, client_phone_raw,
        client_phone_e164, nps, custom_fields, tags, transcript, warnings, raw) FROM STDIN`),
    ),
  );
  client.release();
  await sql`ANALYZE communications`.execute(db);
  const seedSeconds = (performance.now() - t0) / 1000;
  console.log(`seeded ${count} communications with COPY in ${seedSeconds.toFixed(1)} s (${(count / seedSeconds).toFixed(0)} rows/s)`);

  t0 = performance.now();
  let last = 0;
  const backfill = await services.searchBackfill.run({
    batchSize: 2000,
    onProgress: (p) => {
      if (performance.now() - last > 5000 || p.done === p.total) {
        last = performance.now();
        console.log(`  backfill ${p.done}/${p.total}, ${(p.done / ((performance.now() - t0) / 1000)).toFixed(0)} docs/s`);
      }
    },
  });
  await sql`ANALYZE search_documents`.execute(db);
  const backfillSeconds = (performance.now() - t0) / 1000;
  console.log(`backfill: ${backfill.indexed} documents in ${backfillSeconds.toFixed(1)} s = ${(backfill.indexed / backfillSeconds).toFixed(0)} docs/s`);
  return { integration, operators, departments, seedSeconds, backfillSeconds, indexed: backfill.indexed };
}
