// The ordered list of migrations; a static list so the compiled build and tsx runs see the same set.
import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001_initial.js';
import * as m0002 from './0002_call_batch_function.js';
import * as m0004 from './0004_search.js';
import * as m0005 from './0005_media.js';
import * as m0006 from './0006_search_statistics.js';
import * as m0008 from './0008_console.js';
import * as m0009 from './0009_chats_clients.js';
import * as m0010 from './0010_crm.js';
import * as m0011 from './0011_chat_closed.js';
import * as m0012 from './0012_crm_outbox_when_connected.js';
import * as m0014 from './0014_crm_delivery_runner.js';
import * as m0015 from './0015_crm_delivery_progress.js';
import * as m0017 from './0017_source_record_legs.js';
import * as m0018 from './0018_source_runs_secrets.js';
import * as m0019 from './0019_integration_isolation.js';
import * as m0020 from './0020_crm_one_outcome.js';
import * as m0021 from './0021_recording_links.js';
import * as m0022 from './0022_people.js';
import * as m0024 from './0024_audit_log.js';
import * as m0025 from './0025_retention_erasure.js';
import * as m0026 from './0026_console_user_sessions.js';
import * as m0027 from './0027_evaluations.js';

const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_call_batch_function': m0002,
  '0004_search': m0004,
  '0005_media': m0005,
  '0006_search_statistics': m0006,
  '0008_console': m0008,
  '0009_chats_clients': m0009,
  '0010_crm': m0010,
  '0011_chat_closed': m0011,
  '0012_crm_outbox_when_connected': m0012,
  '0014_crm_delivery_runner': m0014,
  '0015_crm_delivery_progress': m0015,
  '0017_source_record_legs': m0017,
  '0018_source_runs_secrets': m0018,
  '0019_integration_isolation': m0019,
  '0020_crm_one_outcome': m0020,
  '0021_recording_links': m0021,
  '0022_people': m0022,
  '0024_audit_log': m0024,
  '0025_retention_erasure': m0025,
  '0026_console_user_sessions': m0026,
  '0027_evaluations': m0027,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
