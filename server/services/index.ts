// Builds every service over one database; the composition root and the tests both use it.
import type { Executor } from '../db/repositories/executor.js';
import { AdminAuth } from './admin-auth.js';
import { AuditLog, type AuditWriter } from './audit-log.js';
import { AuthFailures, type AuthFailureSettings } from './auth-failures.js';
import { CallIngest, type CallIngestOptions } from './call-ingest.js';
import { ChatIngest } from './chat-ingest.js';
import { DestinationPolicy } from '../media/destination-policy.js';
import { CrmConnectors } from './crm-connectors.js';
import { CrmDeliveries, type CrmDeliverySettings } from './crm-deliveries.js';
import { CrmDeliveryLog } from './crm-delivery-log.js';
import { RecordingLinks } from './recording-links.js';
import { Clients } from './clients.js';
import { Communications } from './communications.js';
import { ConsoleOverview } from './console-overview.js';
import { ConsoleSessions, type ConsoleSessionSettings } from './console-sessions.js';
import { CustomFields } from './custom-fields.js';
import { Departments } from './departments.js';
import { EvaluationForms } from './evaluation-forms.js';
import { Evaluations } from './evaluations.js';
import { CommunicationComments } from './communication-comments.js';
import { Health } from './health.js';
import { Integrations } from './integrations.js';
import { Operators } from './operators.js';
import { Recordings, type RecordingSettings } from './recordings.js';
import { Erasure } from './erasure.js';
import { Retention, type RetentionOptions } from './retention.js';
import { PullSources, type PullOptions } from './pull-sources.js';
import { openSource, type OpenSource } from '../sources/open-source.js';
import type { MediaStore } from '../media/port.js';
import { Transcripts } from './transcripts.js';
import { UserAuth } from './user-auth.js';
import { UserImport } from './user-import.js';
import { UserTokens, type UserTokenSettings } from './user-tokens.js';
import { Users } from './users.js';
import { JobRuns } from './job-runs.js';
import { SearchBackfill } from './search-backfill.js';
import { PostgresSearchIndex } from '../search/postgres.js';
import type { SearchIndex } from '../search/port.js';
import { SearchSync, type SearchSyncOptions } from '../search/sync.js';

export interface ServiceSettings {
  secretKey: string;
  publicUrl: string;
  tokenCacheSeconds: number;
  /** Requests per second one integration may make; no limit when 0 or not given. */
  ingestRateLimit?: number;
  ingest?: CallIngestOptions;
  /** The search engine; the Postgres index over this database when not given. */
  searchIndex?: SearchIndex;
  searchSync?: SearchSyncOptions;
  recordings: RecordingSettings & { store: MediaStore };
  sources?: PullOptions & { open?: OpenSource };
  consoleSessions?: ConsoleSessionSettings;
  /** The lockout after wrong admin tokens per client address (default: 10 within 15 minutes). */
  authFailures?: AuthFailureSettings;
  /** Lifetimes of users' sessions and invites (default: 12 h, 7 days). */
  userTokens?: UserTokenSettings;
  /** Outbound limits of CRM pushes (default: public destinations only, 20 s, 256 KB answers). */
  crm?: CrmDeliverySettings;
  /** How audit entries are written: appended to the audit_log chain when not given (benches pass AuditLog.discard). */
  auditWriter?: AuditWriter;
  /** Batch size and clock of the retention purge (default: 1,000 rows per transaction, the real clock). */
  retention?: RetentionOptions;
}

/** The audit log's actor for the nightly retention purge. */
const SYSTEM_RETENTION = { actor: { type: 'system' as const, id: 'retention' }, ip: '', userAgent: 'earshot retention job' };

export function createServices(db: Executor, settings: ServiceSettings) {
  const departments = new Departments(db);
  const callIngest = new CallIngest(db, { definitionsCacheSeconds: settings.tokenCacheSeconds, secretKey: settings.secretKey, ...settings.ingest });
  const searchIndex = settings.searchIndex ?? new PostgresSearchIndex(db);
  const searchSync = new SearchSync(db, searchIndex, settings.searchSync);
  const customFieldsChanged = () => {
    callIngest.definitionsChanged();
    return searchSync.applySettings();
  };
  const recordings = new Recordings(db, settings.recordings.store, settings.secretKey, settings.publicUrl, settings.recordings);
  const adminAuth = new AdminAuth(db, settings.secretKey, settings.tokenCacheSeconds, new AuthFailures(db, settings.authFailures));
  const pullSources = new PullSources(db, callIngest, recordings, settings.sources?.open ?? openSource, settings.secretKey, settings.sources);
  const health = new Health(db, searchIndex, searchSync);
  const jobRuns = new JobRuns(db);
  const communications = new Communications(db, searchIndex, recordings);
  const crmConnectors = new CrmConnectors(db, settings.secretKey);
  const auditLog = new AuditLog(db, settings.auditWriter);
  const userTokens = new UserTokens(db, settings.secretKey, settings.publicUrl, settings.userTokens);
  const users = new Users(db, departments, userTokens);
  const userAuth = new UserAuth(db, userTokens, new AuthFailures(db, settings.authFailures));
  const recordingLinks = new RecordingLinks(db, recordings, settings.secretKey, settings.publicUrl);
  const evaluationForms = new EvaluationForms(db, departments);
  return {
    auditLog,
    users,
    userTokens,
    userImport: new UserImport(db, users),
    userAuth,
    adminAuth,
    integrations: new Integrations(db, settings.secretKey, settings.publicUrl, settings.tokenCacheSeconds, settings.ingestRateLimit ?? 0),
    departments,
    operators: new Operators(db, departments),
    customFields: new CustomFields(db, customFieldsChanged),
    callIngest,
    chatIngest: new ChatIngest(db, settings.ingest?.phoneRegion),
    clients: new Clients(db, () => searchSync.applySettings(), () => callIngest.aliasesChanged()),
    communications,
    crmConnectors,
    crmDeliveries: new CrmDeliveries(db, crmConnectors, communications, recordingLinks, settings.crm ?? { limits: { timeoutMs: 20_000, maxResponseBytes: 256 * 1024, policy: new DestinationPolicy() } }),
    crmDeliveryLog: new CrmDeliveryLog(db),
    recordings,
    recordingLinks,
    pullSources,
    transcripts: new Transcripts(db),
    health,
    searchIndex,
    searchSync,
    searchBackfill: new SearchBackfill(db, searchSync),
    retention: new Retention(db, settings.recordings.store, { ...settings.retention, onPurged: (report) => auditLog.record(SYSTEM_RETENTION, 'retention.purged', undefined, { ...report }) }),
    erasure: new Erasure(db, settings.recordings.store, searchSync, { secretKey: settings.secretKey, phoneRegion: settings.ingest?.phoneRegion }),
    jobRuns,
    consoleSessions: new ConsoleSessions(db, adminAuth, userAuth, settings.secretKey, settings.consoleSessions),
    // Quality evaluation (issue 18).
    evaluationForms,
    evaluations: new Evaluations(db, evaluationForms),
    communicationComments: new CommunicationComments(db),
    consoleOverview: new ConsoleOverview(db, health, pullSources, jobRuns, recordings),
  };
}

export type Services = ReturnType<typeof createServices>;
