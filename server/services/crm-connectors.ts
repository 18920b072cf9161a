// Use cases: CRM connectors for admins — create/patch with config, rules and secrets checked (422 with
// paths), secrets sealed with AES-256-GCM and never shown again, activate (resending what the last N days
// left undelivered) and deactivate; for the delivery runner, adapters opened with what they keep between
// attempts (refreshed OAuth tokens, a delivery's progress).
import { z } from 'zod';
import { crmRulesInput, type CrmRules } from '../domain/crm-rules.js';
import { NotFound, Unprocessable, type ErrorDetail } from '../domain/errors.js';
import { parseNullAsAbsent } from '../domain/null-as-absent.js';
import { open, seal } from '../domain/secret-box.js';
import { CONNECTOR_KINDS, openConnector, type RuleIssue, type SupportedKind } from '../crm/connectors.js';
import { RefreshRefused, type HttpLimits } from '../crm/http-client.js';
import type { CrmConnector, DeliveryProgress, TokenKeeper } from '../crm/port.js';
import { findDeliveryProgress, replaceConnectorSecrets, saveDeliveryProgress } from '../db/repositories/crm-state.js';
import { listCustomFields } from '../db/repositories/custom-fields.js';
import { findConnector, insertConnector, listConnectors, resumeConnector, updateConnector, type ConnectorRecord } from '../db/repositories/crm.js';
import type { Executor } from '../db/repositories/executor.js';

const DAY_MS = 86_400_000;

/** The start of an activation's resend window: `resendDays` calendar days (UTC) back, today included. */
export const resendSince = (resendDays: number, now = Date.now()) => new Date(Math.floor(now / DAY_MS) * DAY_MS - (resendDays - 1) * DAY_MS);

export const CreateConnectorSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    kind: z.enum(Object.keys(CONNECTOR_KINDS) as [SupportedKind, ...SupportedKind[]]),
    config: z.record(z.string(), z.unknown()),
    secrets: z.record(z.string(), z.unknown()).optional(),
    rules: z.record(z.string(), z.unknown()).default({}),
    max_concurrency: z.number().int().min(1).max(64).default(8),
  })
  .strict();

/** Only what is given changes (no defaults here: a patch of the secrets must not reset the rules). */
export const PatchConnectorSchema = z
  .object({
    name: z.string().trim().min(1).max(100).optional(),
    config: z.record(z.string(), z.unknown()).optional(),
    secrets: z.record(z.string(), z.unknown()).optional(),
    rules: z.record(z.string(), z.unknown()).optional(),
    max_concurrency: z.number().int().min(1).max(64).optional(),
  })
  .strict();

interface KindSchemas {
  config: z.ZodType<Record<string, unknown>>;
  secrets: z.ZodType<Record<string, unknown>>;
  generate?: (() => Record<string, unknown>) | undefined;
  ruleIssues: (rules: CrmRules) => RuleIssue[];
}
const kindOf = (kind: SupportedKind): KindSchemas => CONNECTOR_KINDS[kind] as KindSchemas;

const pathOf = (prefix: string, path: ReadonlyArray<PropertyKey>) => [prefix, ...path.map(String)].join('.').replace(/\.(\d+)(?=\.|$)/g, '[$1]');
const issuesAt = (prefix: string, error: z.ZodError): ErrorDetail[] => error.issues.map((issue) => ({ path: pathOf(prefix, issue.path), code: 'invalid_value', message: issue.message }));

function check<T>(schema: z.ZodType<T>, value: unknown, prefix: string): T {
  const parsed = parseNullAsAbsent(schema, value);
  if (!parsed.success) throw new Unprocessable('validation_failed', `${prefix} is not valid`, issuesAt(prefix, parsed.error));
  return parsed.data;
}

export class CrmConnectors {
  /** Token refreshes under way, per connector: deliveries refused at once share one grant. */
  private readonly refreshing = new Map<string, Promise<Record<string, unknown>>>();

  constructor(
    private readonly db: Executor,
    private readonly secretKey: string,
  ) {}

  /** Creates a connector; the answer shows generated secrets once (e.g. a webhook signing secret). */
  async create(input: z.output<typeof CreateConnectorSchema>) {
    const kind = kindOf(input.kind);
    const config = check(kind.config, input.config, 'config');
    const rules = await this.checkRules(kind, input.rules);
    const generated = input.secrets === undefined ? kind.generate?.() : undefined;
    const secrets = check(kind.secrets, input.secrets ?? generated, 'secrets');
    const row = await insertConnector(this.db, { name: input.name, kind: input.kind, config, rules, secrets: seal(this.secretKey, secrets), max_concurrency: input.max_concurrency });
    return { ...this.view(row), ...(generated ? { secrets: generated } : {}) };
  }

  async list() {
    return (await listConnectors(this.db)).map((row) => this.view(row));
  }

  async get(id: string) {
    return this.view(await this.row(id));
  }

  async patch(id: string, input: z.output<typeof PatchConnectorSchema>) {
    const row = await this.row(id);
    const kind = kindOf(row.kind as SupportedKind);
    const rules = input.rules !== undefined ? await this.checkRules(kind, input.rules) : undefined;
    const updated = await updateConnector(this.db, id, {
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.config !== undefined ? { config: check(kind.config, input.config, 'config') } : {}),
      ...(rules !== undefined ? { rules } : {}),
      ...(input.secrets !== undefined ? { secrets: seal(this.secretKey, check(kind.secrets, input.secrets, 'secrets')) } : {}),
      ...(input.max_concurrency !== undefined ? { max_concurrency: input.max_concurrency } : {}),
    });
    return this.view(updated!);
  }

  /**
   * Activates (after fixing a broken token, say): deliveries paused or dead-lettered during the last
   * `resendDays` calendar days (UTC; 3 = the two previous days and today) go out again, once each.
   */
  async activate(id: string, resendDays = 3) {
    await this.row(id);
    const since = resendSince(resendDays);
    const resent = await this.db.transaction().execute((trx) => resumeConnector(trx, id, since));
    return { ...(await this.get(id)), resent, resent_since: since.toISOString() };
  }

  async deactivate(id: string) {
    await this.row(id);
    return this.view((await updateConnector(this.db, id, { state: 'inactive' }))!);
  }

  /** The connector's secrets, opened (for the delivery runner only). */
  secretsOf(row: ConnectorRecord): Record<string, unknown> {
    return open<Record<string, unknown>>(this.secretKey, row.secrets);
  }

  /** Rules as saved: checked against the custom fields defined now (an archived field takes no new values) and what the kind can send. */
  private async checkRules(kind: KindSchemas, input: unknown): Promise<CrmRules> {
    const fields = new Set((await listCustomFields(this.db)).filter((f) => !f.archived).map((f) => f.key));
    const rules = check(crmRulesInput(fields), input, 'rules');
    const issues = kind.ruleIssues(rules);
    if (issues.length > 0) throw new Unprocessable('validation_failed', 'rules is not valid', issues.map((issue) => ({ path: pathOf('rules', issue.path), code: 'invalid_value', message: issue.message })));
    return rules;
  }

  /** The adapter of a stored connector, refreshing its OAuth tokens through this service. */
  open(row: ConnectorRecord, limits: HttpLimits): CrmConnector {
    return openConnector(row.kind as SupportedKind, row.config, this.secretsOf(row), limits, this.keeperOf(row.id));
  }

  /** A delivery's progress, persisted with it. */
  progressOf(deliveryId: string): DeliveryProgress {
    return { load: () => findDeliveryProgress(this.db, deliveryId), save: (progress) => saveDeliveryProgress(this.db, deliveryId, progress) };
  }

  private keeperOf(id: string): TokenKeeper {
    return {
      refresh: (rejected, grant) => {
        const inFlight = this.refreshing.get(id);
        if (inFlight) return inFlight;
        const refreshed = this.refreshTokens(id, rejected, grant).finally(() => this.refreshing.delete(id));
        this.refreshing.set(id, refreshed);
        return refreshed;
      },
    };
  }

  /**
   * Grants new tokens unless the stored access token is no longer the refused one (another delivery or
   * process refreshed it: use theirs); stores them only over the secrets the grant started from. A refused
   * grant still yields tokens someone else stored meanwhile (vendors that rotate refresh tokens refuse the old one).
   */
  private async refreshTokens(id: string, rejected: string, grant: (current: Record<string, unknown>) => Promise<Record<string, unknown>>): Promise<Record<string, unknown>> {
    const before = await this.row(id);
    const current = this.secretsOf(before);
    if (current.access_token !== rejected) return current;
    try {
      const next = await grant(current);
      if (await replaceConnectorSecrets(this.db, id, before.secrets, seal(this.secretKey, next))) return next;
    } catch (error) {
      if (!(error instanceof RefreshRefused)) throw error;
      const stored = this.secretsOf(await this.row(id));
      if (stored.access_token === rejected) throw error;
      return stored;
    }
    return this.secretsOf(await this.row(id));
  }

  private async row(id: string): Promise<ConnectorRecord> {
    const row = /^[0-9a-f-]{36}$/i.test(id) ? await findConnector(this.db, id) : undefined;
    if (!row) throw new NotFound('CRM connector', 'connector_not_found');
    return row;
  }

  /** Never the secrets: only which ones are set. */
  private view(row: ConnectorRecord) {
    return {
      id: row.id,
      name: row.name,
      kind: row.kind,
      config: row.config,
      rules: row.rules,
      secrets_set: Object.keys(this.secretsOf(row)).sort(),
      state: row.state,
      broken_reason: row.broken_reason,
      max_concurrency: row.max_concurrency,
      created_at: row.created_at.toISOString(),
      updated_at: row.updated_at.toISOString(),
    };
  }
}
