// What an admin configures for a pull source, per kind; validated when the source is created or
// changed so a bad config is a 422 then, not a failed run at 3 a.m.
import path from 'node:path';
import cron from 'node-cron';
import { z } from 'zod';
import { isValidTimeZone } from '../domain/timestamps.js';
import { FREEPBX_NAME_PATTERN } from './asterisk-ari.js';
import { PartyPatterns } from './cdr-parties.js';

const absolutePath = z
  .string()
  .max(4096)
  .refine((p) => path.isAbsolute(p) && !p.includes('\0') && path.normalize(p).replace(/\/+$/, '') === p.replace(/\/+$/, ''), 'must be an absolute, normalised path');
const httpUrl = z
  .string()
  .max(2048)
  .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), 'must be an absolute http(s) URL')
  // HTTP clients refuse such URLs with an error that quotes them, password and all: credentials go in username/password.
  .refine((v) => !URL.canParse(v) || (new URL(v).username === '' && new URL(v).password === ''), 'must not carry user:password@ (use username and password)');
const secret = z.string().min(1).max(256);

/** Settings every kind shares: how PBX times and parties are read, how long to wait for a recording. */
const common = {
  timezone: z.string().refine(isValidTimeZone, 'must be an IANA time zone such as Europe/Moscow').default('UTC'),
  extension_map: z
    .record(z.string().min(1).max(64), z.string().min(1).max(255))
    .refine((m) => Object.keys(m).length <= 10_000, 'at most 10000 entries')
    .default({})
    .describe("PBX extension or number → operator external_id, where they differ"),
  recording_wait_minutes: z.number().int().min(0).max(7 * 24 * 60).default(120),
  settle_seconds: z.number().int().min(0).max(3600).default(10),
};

export const CsvSourceConfig = z
  .object({
    ...common,
    path: absolutePath,
    recordings_dir: absolutePath.optional(),
    columns: z
      .object({ loguniqueid: z.boolean().default(true), loguserfield: z.boolean().default(true), newcdrcolumns: z.boolean().default(false) })
      .strict()
      .default({ loguniqueid: true, loguserfield: true, newcdrcolumns: false }),
    encoding: z.enum(['utf-8', 'windows-1251', 'auto']).default('auto'),
  })
  .strict();

export const SqlSourceConfig = z
  .object({
    ...common,
    url: z.string().max(2048).regex(/^(postgres(ql)?|mysql):\/\/\S+$/, 'expected postgres://… or mysql://…'),
    table: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$/, 'a table name, optionally schema.table')
      .default('cdr'),
    recordings_dir: absolutePath.optional(),
    recordings_url: httpUrl.optional(),
    overlap_seconds: z.number().int().min(0).max(7 * 24 * 3600).default(3600),
    party_patterns: PartyPatterns,
  })
  .strict();

export const AriSourceConfig = z
  .object({
    ...common,
    url: httpUrl.describe('The ARI base, e.g. http://pbx:8088/ari'),
    username: secret,
    password: secret,
    name_pattern: z
      .string()
      .max(500)
      .refine((p) => {
        try {
          const groups = new RegExp(`${p}|`).exec('')?.groups ?? {};
          return 'date' in groups && 'time' in groups;
        } catch {
          return false;
        }
      }, 'must be a regular expression with named groups date (YYYYMMDD) and time (HHMMSS); from, to and uniqueid are used when present')
      .default(FREEPBX_NAME_PATTERN),
  })
  .strict();

export const OktellSourceConfig = z
  .object({
    ...common,
    url: httpUrl.describe('The Oktell web server, e.g. http://oktell:4055'),
    script: z.string().regex(/^[\w. -]{1,128}$/, 'the service script name'),
    username: secret,
    password: secret,
  })
  .strict();

export const SOURCE_CONFIGS = {
  asterisk_cdr_csv: CsvSourceConfig,
  asterisk_cdr_sql: SqlSourceConfig,
  asterisk_ari: AriSourceConfig,
  oktell_http: OktellSourceConfig,
} as const;

export type SourceKind = keyof typeof SOURCE_CONFIGS;
export type SourceConfig = z.output<(typeof SOURCE_CONFIGS)[SourceKind]>;

const schedule = z.string().max(100).refine((s) => cron.validate(s), 'must be a cron expression (5 fields, or 6 with seconds)');
const name = z.string().trim().min(1).max(100);

const base = { name, integration_id: z.uuid(), schedule, active: z.boolean().default(true) };
export const CreateSourceSchema = z.discriminatedUnion('kind', [
  z.object({ ...base, kind: z.literal('asterisk_cdr_csv'), config: CsvSourceConfig }).strict(),
  z.object({ ...base, kind: z.literal('asterisk_cdr_sql'), config: SqlSourceConfig }).strict(),
  z.object({ ...base, kind: z.literal('asterisk_ari'), config: AriSourceConfig }).strict(),
  z.object({ ...base, kind: z.literal('oktell_http'), config: OktellSourceConfig }).strict(),
]);

export const UpdateSourceSchema = z
  .object({ name: name.optional(), schedule: schedule.optional(), active: z.boolean().optional(), config: z.record(z.string(), z.unknown()).optional() })
  .strict();

export type CreateSourceInput = z.output<typeof CreateSourceSchema>;
export type UpdateSourceInput = z.output<typeof UpdateSourceSchema>;
