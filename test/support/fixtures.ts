// Builders for what ingestion tests need: an integration, an operator, the seed custom fields, call bodies.
import type { TestContext } from './context.js';

export interface Integration {
  id: string;
  token: string;
  phone_calls_url: string;
}

export async function createIntegration(ctx: TestContext, body: Record<string, unknown> = { name: 'PBX' }): Promise<Integration> {
  const res = await ctx.admin('POST', '/api/v1/admin/integrations', body);
  if (res.status !== 201) throw new Error(`integration: ${res.status} ${await res.text()}`);
  return (await res.json()) as Integration;
}

export async function createOperator(ctx: TestContext, body: Record<string, unknown>): Promise<{ id: string; external_id: string }> {
  const res = await ctx.admin('POST', '/api/v1/admin/operators', body);
  if (res.status !== 201) throw new Error(`operator: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string; external_id: string };
}

export async function defineField(ctx: TestContext, body: Record<string, unknown>): Promise<void> {
  const res = await ctx.admin('POST', '/api/v1/admin/custom_fields', body);
  if (res.status !== 201) throw new Error(`custom field: ${res.status} ${await res.text()}`);
}

export const SEED_FIELDS = [
  { key: 'opened_at', name: 'Opened at', type: 'datetime', used_for_filtering: true },
  { key: 'reopen_count', name: 'Reopen count', type: 'number', used_for_filtering: true },
  { key: 'topic', name: 'Topic', type: 'string', used_for_filtering: true },
  { key: 'sub-topic', name: 'Sub-topic', type: 'string' },
];

/** The seed request of the spine issue, byte for byte. */
export const SEED_BODY = `{"operator_id": "operator@email.com", "started_at": "2020-06-21T09:51:13.588Z+03",
 "direction": "incoming", "duration": 410.1, "client_phone_number": "+375332222453",
 "media_url": "https://file-examples.com/wp-content/uploads/2017/11/file_example_WAV_1MG.wav",
 "uid": "7b2331ca-adcb-4f15-811b-6b6cfddb2baf",
 "client": {"id": "client@email.com", "company_name": "Test Company", "first_name": "John",
            "last_name": "Doe"},
 "custom_fields": {"opened_at": "2020-06-21T09:51:13.588Z", "reopen_count": 5,
                   "topic": "Поддержка", "sub-topic": "Возобновление доступа"}}`;

export async function seedWorld(ctx: TestContext, integrationBody?: Record<string, unknown>) {
  const integration = await createIntegration(ctx, integrationBody);
  const operator = await createOperator(ctx, { external_id: 'operator@email.com', first_name: 'Olga' });
  for (const field of SEED_FIELDS) await defineField(ctx, field);
  return { integration, operator };
}

export function postCall(ctx: TestContext, integration: Integration, body: unknown, headers: Record<string, string> = {}) {
  return ctx.app.request(`/api/v1/integrations/${integration.id}/phone_calls`, {
    method: 'POST',
    headers: { authorization: integration.token, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export function callBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    operator_id: 'operator@email.com',
    started_at: '2024-03-01T10:00:00+03:00',
    media_url: 'https://pbx.example/rec/1.wav',
    direction: 'incoming',
    duration: 60,
    ...overrides,
  };
}
