// The schema as the code sees it: one table type per table, kept in step with migrations/.
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';
import type { CommunicationKind, CriteriaGroup } from '../domain/evaluation-form.js';
import type { ScoringMethod, Zone } from '../domain/scoring.js';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export interface AdminTokensTable {
  id: Generated<string>;
  token_hash: string;
  created_at: CreatedAt;
}

export interface IntegrationsTable {
  id: Generated<string>;
  name: string;
  kind: Generated<string>;
  token_hash: string;
  default_timezone: string | null;
  active: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface DepartmentsTable {
  id: Generated<string>;
  name: string;
  parent_id: string | null;
  created_at: CreatedAt;
}

export interface OperatorsTable {
  id: Generated<string>;
  external_id: string;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  department_id: string | null;
  active: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface ClientsTable {
  id: Generated<string>;
  /** The integration the client belongs to (external ids are unique per integration); null: none known (admin-only). */
  integration_id: string | null;
  external_id: string;
  first_name: string | null;
  last_name: string | null;
  company_name: string | null;
  phones: ColumnType<string[], string[] | undefined, string[]>;
  /** Set on the copies migration 0019 split off a client shared by several integrations. */
  split_from: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface CustomFieldsTable {
  key: string;
  name: string;
  type: string;
  options: string[] | null;
  used_for_filtering: Generated<boolean>;
  used_for_evaluation: Generated<boolean>;
  archived: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface CommunicationsTable {
  id: Generated<string>;
  kind: 'call' | 'chat';
  integration_id: string;
  uid: string;
  operator_id: string | null;
  department_id: string | null;
  client_id: string | null;
  direction: 'incoming' | 'outcoming' | null;
  started_at: ColumnType<Date, Date | string, Date | string>;
  duration_s: number | null;
  client_phone_raw: string | null;
  client_phone_e164: string | null;
  chain_uid: string | null;
  nps: number | null;
  custom_fields: Json<Record<string, unknown>>;
  tags: ColumnType<string[], string[] | undefined, string[]>;
  media_url: string | null;
  media_id: string | null;
  media_state: 'ready' | 'corrupt' | 'failed' | 'missing' | null;
  media_error: string | null;
  channel: string | null;
  closed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  transcript: Json<unknown> | null;
  warnings: Json<unknown[]>;
  raw: Json<unknown>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface OutboxTable {
  id: Generated<number>;
  topic: string;
  key: string;
  payload: Json<Record<string, unknown>>;
  state: Generated<'pending' | 'done' | 'dead'>;
  attempts: Generated<number>;
  run_after: ColumnType<Date, Date | string | undefined, Date | string>;
  last_error: string | null;
  created_at: CreatedAt;
}

export interface JobRunsTable {
  name: string;
  last_started_at: Date | null;
  last_finished_at: Date | null;
  last_error: string | null;
  runs: Generated<number>;
  failures: Generated<number>;
  /** What the last run reported, for jobs that report more than success (retention counts, 0025). */
  details: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
}

// Recordings and pull sources (migrations/0005_media.ts).
export interface MediaTable {
  id: Generated<string>;
  sha256: string;
  size_bytes: number;
  mime: string;
  format: string | null;
  duration_s: number | null;
  state: 'ready' | 'corrupt';
  probe_error: string | null;
  created_at: CreatedAt;
}

export interface SourcesTable {
  id: Generated<string>;
  name: string;
  kind: 'asterisk_cdr_csv' | 'asterisk_cdr_sql' | 'asterisk_ari' | 'oktell_http';
  integration_id: string;
  schedule: string;
  active: Generated<boolean>;
  config: Json<Record<string, unknown>>;
  cursor: Json<Record<string, unknown>> | null;
  last_run_at: Date | null;
  last_error: string | null;
  last_stats: Json<Record<string, unknown>> | null;
  running_until: Date | null;
  /** Sealed (domain/secret-box.ts) SourceSecrets: passwords kept apart from the config (migrations/0018). */
  secrets: string | null;
  last_success_at: Date | null;
  /** The newest start time of a record imported, for the source's lag metric. */
  newest_record_at: Date | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

// Pull source run history (migrations/0018_source_runs_secrets.ts).
export interface SourceRunsTable {
  id: Generated<string>;
  source_id: string;
  trigger: 'schedule' | 'manual' | 'repull';
  window_from: Date | null;
  window_to: Date | null;
  status: Generated<'running' | 'ok' | 'failed'>;
  error: string | null;
  stats: Json<Record<string, unknown>> | null;
  started_at: CreatedAt;
  finished_at: Date | null;
}

export interface SourceRunRejectionsTable {
  run_id: string;
  position: number;
  at: string;
  reason: string;
  raw: string | null;
}

export interface SourceRecordsTable {
  source_id: string;
  record_key: string;
  communication_id: string | null;
  state: 'done' | 'skipped' | 'waiting' | 'missing';
  started_at: ColumnType<Date, Date | string, Date | string>;
  recording: Json<Record<string, unknown>> | null;
  detail: string | null;
  attempts: Generated<number>;
  /** migrations/0017_source_record_legs.ts: the call the record is a leg of, what the leg said, its recording. */
  call_uid: string | null;
  leg: Json<Record<string, unknown>> | null;
  media_id: string | null;
  first_seen_at: CreatedAt;
  updated_at: UpdatedAt;
}

// Admin console (migrations/0008_console.ts).
export interface ConsoleSessionsTable {
  token_hash: string;
  csrf_token: string;
  created_at: CreatedAt;
  expires_at: Date;
  /** The user signed in; null for the owner's admin-token session. */
  user_id: string | null;
}

export interface ConsoleLoginFailuresTable {
  id: Generated<number>;
  client: string;
  at: CreatedAt;
}

export interface MessagesTable {
  communication_id: string;
  message_id: string;
  author: 'client' | 'operator' | 'bot';
  text: string;
  sent_at: ColumnType<Date, Date | string, Date | string>;
}

export interface ClientAttributesTable {
  id: Generated<string>;
  /** The integration that defined it; null: shared (defined by the admin), every integration uses it. */
  integration_id: string | null;
  name: string;
  type: 'string' | 'number' | 'boolean' | 'datetime';
  created_at: CreatedAt;
}

export interface ClientAttributeValuesTable {
  client_id: string;
  attribute_id: string;
  value: Json<unknown>;
  updated_at: UpdatedAt;
}

export interface TagsTable {
  id: Generated<string>;
  /** The integration that created it; null: shared (created by the admin), every integration uses it. */
  integration_id: string | null;
  scope: 'client' | 'session';
  name: string;
  archived: Generated<boolean>;
  created_at: CreatedAt;
}

export interface ClientTagsTable {
  client_id: string;
  tag_id: string;
  created_at: CreatedAt;
}

export interface ClientAliasesTable {
  integration_id: string | null;
  external_id: string;
  client_id: string;
  merged_at: CreatedAt;
}

export interface CrmConnectorsTable {
  id: Generated<string>;
  name: string;
  kind: 'webhook' | 'bitrix24' | 'amocrm' | 'usedesk' | 'zoho_desk';
  config: Json<Record<string, unknown>>;
  rules: Json<Record<string, unknown>>;
  secrets: string;
  state: Generated<'active' | 'inactive' | 'broken'>;
  broken_reason: string | null;
  max_concurrency: Generated<number>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface CrmDeliveriesTable {
  id: Generated<string>;
  connector_id: string;
  communication_id: string;
  event: string;
  delivery_key: string;
  state: Generated<'pending' | 'delivered' | 'dead' | 'paused'>;
  attempts: Generated<number>;
  next_attempt_at: ColumnType<Date, Date | string | undefined, Date | string>;
  first_attempt_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  delivered_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  last_error: string | null;
  /** What the adapter achieved in earlier attempts (0015). */
  progress: ColumnType<Record<string, unknown>, string | undefined, string>;
  /** The first delivery of the communication to the connector, when this one follows up a later change (0020). */
  follows: string | null;
  /** Put off until the call's recording is stored or failed (0020). */
  awaits_media: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface CrmDeliveryAttemptsTable {
  id: Generated<number>;
  delivery_id: string;
  attempt: number;
  started_at: ColumnType<Date, Date | string, never>;
  duration_ms: number;
  outcome: string;
  request: Json<Record<string, unknown>>;
  response_status: number | null;
  response_excerpt: string | null;
  error: string | null;
}

export interface UsersTable {
  id: Generated<string>;
  email: string;
  name: string;
  role: 'admin' | 'supervisor' | 'operator';
  operator_id: string | null;
  locale: 'ru' | 'en' | null;
  password_hash: string | null;
  active: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface UserDepartmentsTable {
  user_id: string;
  department_id: string;
}

/** Append-only (migration 0024): inserted by the audit writer only, never updated or deleted. */
export interface AuditLogTable {
  seq: number;
  id: string;
  at: Date;
  actor_type: string;
  actor_id: string | null;
  actor_email: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string;
  user_agent: string;
  details: Json<Record<string, unknown>>;
  prev_hash: string;
  hash: string;
}

export interface UserTokensTable {
  id: Generated<string>;
  user_id: string;
  kind: 'session' | 'personal' | 'invite';
  name: string | null;
  token_hash: string;
  created_at: CreatedAt;
  expires_at: Date | null;
  last_used_at: Date | null;
}

export interface RecordingLinksTable {
  id: Generated<string>;
  communication_id: string;
  media_id: string;
  created_at: CreatedAt;
  revoked_at: ColumnType<Date | null, never, Date | string | null>;
}

export interface RecordingLinkOpensTable {
  id: Generated<number>;
  link_id: string;
  opened_at: CreatedAt;
  client_address: string | null;
  user_agent: string | null;
  range: string | null;
  outcome: 'served' | 'revoked' | 'invalid_signature';
}

// Retention and erasure (migrations/0025_retention_erasure.ts).
export interface RetentionSettingsTable {
  /** null: the default row, for integrations without their own. */
  integration_id: string | null;
  recordings_days: number | null;
  transcripts_days: number | null;
  communications_days: number | null;
  updated_at: UpdatedAt;
}

export interface ErasureActsTable {
  id: Generated<string>;
  erased_at: CreatedAt;
  keep_until: ColumnType<Date, Date | string, never>;
  subject_type: 'client' | 'phone';
  /** HMAC of what was erased (the client's external id or the phone): proves an act covers a subject without keeping it. */
  subject_hash: string;
  integration_id: string | null;
  requested_by: Json<Record<string, unknown>>;
  communication_ids: ColumnType<string[], string[], never>;
  counts: Json<Record<string, number>>;
}

export interface EvaluationFormsTable {
  id: Generated<string>;
  current_version: Generated<number>;
  created_at: CreatedAt;
}

export interface EvaluationFormVersionsTable {
  form_id: string;
  version: number;
  name: string;
  scoring: ScoringMethod;
  groups: Json<CriteriaGroup[]>;
  zones: Json<Zone[]>;
  kinds: CommunicationKind[];
  department_ids: string[];
  created_at: CreatedAt;
}

export interface EvaluationAnswerRecord {
  criterion: string;
  option: string | null;
  points: number | null;
  na: boolean;
  comment: string | null;
}

export interface EvaluationsTable {
  id: Generated<string>;
  /** bigint: a number or its decimal string, as the pg type parser of the process says. */
  seq: ColumnType<number | string, never, never>;
  communication_id: string;
  operator_id: string | null;
  department_id: string | null;
  form_id: string;
  form_version: number;
  evaluator_type: 'user' | 'admin_token';
  evaluator_id: string | null;
  score: number;
  zone: string | null;
  group_scores: Json<Array<{ name: string; score: number | null }>>;
  answers: Json<EvaluationAnswerRecord[]>;
  comment: string | null;
  created_at: CreatedAt;
}

export interface CommunicationCommentsTable {
  id: Generated<string>;
  communication_id: string;
  author_type: 'user' | 'admin_token';
  author_id: string | null;
  text: string;
  at_seconds: number | null;
  flag: 'red' | 'yellow' | 'green' | null;
  created_at: CreatedAt;
}

export interface Database {
  admin_tokens: AdminTokensTable;
  integrations: IntegrationsTable;
  departments: DepartmentsTable;
  operators: OperatorsTable;
  clients: ClientsTable;
  custom_fields: CustomFieldsTable;
  communications: CommunicationsTable;
  outbox: OutboxTable;
  job_runs: JobRunsTable;
  media: MediaTable;
  sources: SourcesTable;
  source_records: SourceRecordsTable;
  source_runs: SourceRunsTable;
  source_run_rejections: SourceRunRejectionsTable;
  console_sessions: ConsoleSessionsTable;
  console_login_failures: ConsoleLoginFailuresTable;
  messages: MessagesTable;
  client_attributes: ClientAttributesTable;
  client_attribute_values: ClientAttributeValuesTable;
  tags: TagsTable;
  client_tags: ClientTagsTable;
  client_aliases: ClientAliasesTable;
  crm_connectors: CrmConnectorsTable;
  crm_deliveries: CrmDeliveriesTable;
  crm_delivery_attempts: CrmDeliveryAttemptsTable;
  users: UsersTable;
  user_departments: UserDepartmentsTable;
  user_tokens: UserTokensTable;
  recording_links: RecordingLinksTable;
  recording_link_opens: RecordingLinkOpensTable;
  audit_log: AuditLogTable;
  retention_settings: RetentionSettingsTable;
  erasure_acts: ErasureActsTable;
  evaluation_forms: EvaluationFormsTable;
  evaluation_form_versions: EvaluationFormVersionsTable;
  evaluations: EvaluationsTable;
  communication_comments: CommunicationCommentsTable;
}

export type IntegrationRow = Selectable<IntegrationsTable>;
export type OperatorRow = Selectable<OperatorsTable>;
export type DepartmentRow = Selectable<DepartmentsTable>;
export type CustomFieldRow = Selectable<CustomFieldsTable>;
export type NewCommunication = Insertable<CommunicationsTable>;
