// Every setting earshot reads, parsed once from the environment (documented in deploy/.env.example).
import type { CountryCode } from 'libphonenumber-js';
import { z } from 'zod';
import { isAddressOrCidr } from './domain/client-address.js';
import { isPolicyEntry } from './media/destination-policy.js';

const byteSize = z
  .string()
  .regex(/^\d+(\.\d+)?\s*(b|kb|mb|gb)?$/i, 'expected a size such as 10mb, 512kb or 1048576')
  .transform((text) => {
    const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(text)!;
    const unit = (match[2] ?? 'b').toLowerCase();
    const factor = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[unit as 'b' | 'kb' | 'mb' | 'gb'];
    return Math.floor(Number(match[1]) * factor);
  });

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(emptyAsUndefined, schema.optional());

const postgresUrl = z.string().regex(/^postgres(ql)?:\/\/\S+$/, 'expected postgres://user:password@host:port/database');
const httpUrl = z.string().regex(/^https?:\/\/\S+$/, 'expected an http(s) URL').transform((url) => url.replace(/\/+$/, ''));

const policyList = z
  .string()
  .transform((text) => text.split(',').map((s) => s.trim()).filter(Boolean))
  .refine((entries) => entries.every(isPolicyEntry), 'expected a comma-separated list of host names, IP addresses and CIDR blocks');

const addressList = z
  .string()
  .transform((text) => text.split(',').map((s) => s.trim()).filter(Boolean))
  .refine((entries) => entries.every(isAddressOrCidr), 'expected a comma-separated list of IP addresses and CIDR blocks');

const envSchema = z.object({
  DATABASE_URL: optional(postgresUrl),
  DATABASE_POOL_SIZE: optional(z.coerce.number().int().min(2).max(200)).default(10),
  PORT: optional(z.coerce.number().int().min(1).max(65535)).default(8080),
  HOST: optional(z.string()).default('0.0.0.0'),
  EARSHOT_PUBLIC_URL: optional(httpUrl),
  EARSHOT_ADMIN_TOKEN: optional(z.string().trim().min(32, 'must be at least 32 characters (openssl rand -hex 32)')),
  // Reverse proxies whose X-Forwarded-For names the client (failed sign-ins are counted per client).
  EARSHOT_TRUSTED_PROXIES: optional(addressList).default([]),
  EARSHOT_SECRET_KEY: optional(z.string().min(32, 'must be at least 32 characters (openssl rand -hex 32)')),
  EARSHOT_DATA_DIR: optional(z.string()).default('./data'),
  EARSHOT_BODY_LIMIT: optional(byteSize).default(10 * 1024 * 1024),
  // Request bytes held in memory at once across all requests (issue 16): past it, 503 with Retry-After.
  EARSHOT_BODY_BUDGET: optional(byteSize).default(64 * 1024 * 1024),
  EARSHOT_INGEST_BATCH_MAX: optional(z.coerce.number().int().min(1).max(5000)).default(256),
  EARSHOT_INGEST_CONCURRENCY: optional(z.coerce.number().int().min(1).max(64)).default(1),
  EARSHOT_INGEST_RATE_LIMIT: optional(z.coerce.number().int().min(0).max(1_000_000)).default(1000),
  EARSHOT_TOKEN_CACHE_SECONDS: optional(z.coerce.number().int().min(0).max(300)).default(5),
  EARSHOT_PHONE_REGION: optional(z.string().regex(/^[A-Z]{2}$/, 'expected an ISO 3166 country code such as RU')),
  // Recordings (issue 4): uploads, media_url fetching, signed playback URLs.
  EARSHOT_RECORDING_LIMIT: optional(byteSize).default(200 * 1024 * 1024),
  EARSHOT_MEDIA_FETCH_TIMEOUT_SECONDS: optional(z.coerce.number().int().min(1).max(3600)).default(120),
  EARSHOT_MEDIA_FETCH_MAX_REDIRECTS: optional(z.coerce.number().int().min(0).max(10)).default(3),
  EARSHOT_MEDIA_FETCH_ALLOW: optional(policyList).default([]),
  EARSHOT_MEDIA_FETCH_DENY: optional(policyList).default([]),
  // CRM push (issue 5): where connectors may send, and how long an answer may take.
  EARSHOT_CRM_ALLOW: optional(policyList).default([]),
  EARSHOT_CRM_DENY: optional(policyList).default([]),
  EARSHOT_CRM_TIMEOUT_SECONDS: optional(z.coerce.number().int().min(1).max(300)).default(20),
  EARSHOT_CRM_RETRY_MAX_SECONDS: optional(z.coerce.number().int().min(1).max(86_400)).default(21_600),
  // How long a call's delivery waits for its recording to be fetched before it goes out without it (issue 16).
  EARSHOT_CRM_MEDIA_WAIT_SECONDS: optional(z.coerce.number().int().min(0).max(86_400)).default(300),
  EARSHOT_MEDIA_URL_TTL_SECONDS: optional(z.coerce.number().int().min(30).max(7 * 24 * 3600)).default(3600),
  MEILI_URL: optional(httpUrl),
  MEILI_MASTER_KEY: optional(z.string().min(16, 'must be at least 16 characters')),
  LOG_LEVEL: optional(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])).default('info'),
});

export interface Config {
  databaseUrl: string | undefined;
  databasePoolSize: number;
  port: number;
  host: string;
  publicUrl: string;
  adminToken: string | undefined;
  /** Peers whose X-Forwarded-For is believed (addresses and CIDR blocks). */
  trustedProxies: string[];
  secretKey: string | undefined;
  dataDir: string;
  bodyLimitBytes: number;
  /** Request bytes all requests together may hold in memory (at least bodyLimitBytes). */
  bodyBudgetBytes: number;
  tokenCacheSeconds: number;
  /** Requests per second one integration may make (0: no limit). */
  ingestRateLimit: number;
  ingestBatchMax: number;
  ingestConcurrency: number;
  phoneRegion: CountryCode | undefined;
  recordings: {
    limitBytes: number;
    fetchTimeoutMs: number;
    maxRedirects: number;
    fetchAllow: string[];
    fetchDeny: string[];
    urlTtlSeconds: number;
  };
  crm: { allow: string[]; deny: string[]; timeoutMs: number; retryMaxMs: number; mediaWaitSeconds: number };
  meiliUrl: string | undefined;
  meiliMasterKey: string | undefined;
  logLevel: string;
}

export class ConfigError extends Error {}

/** Parses the environment; throws ConfigError whose message is one line naming the bad variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`invalid configuration: ${issue.path.join('.')}: ${issue.message}`);
  }
  const e = parsed.data;
  if (e.EARSHOT_BODY_BUDGET < e.EARSHOT_BODY_LIMIT) {
    throw new ConfigError('invalid configuration: EARSHOT_BODY_BUDGET: must be at least EARSHOT_BODY_LIMIT, or a body at the limit could never be read');
  }
  return {
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    port: e.PORT,
    host: e.HOST,
    publicUrl: e.EARSHOT_PUBLIC_URL ?? `http://localhost:${e.PORT}`,
    adminToken: e.EARSHOT_ADMIN_TOKEN,
    trustedProxies: e.EARSHOT_TRUSTED_PROXIES,
    secretKey: e.EARSHOT_SECRET_KEY,
    dataDir: e.EARSHOT_DATA_DIR,
    bodyLimitBytes: e.EARSHOT_BODY_LIMIT,
    bodyBudgetBytes: e.EARSHOT_BODY_BUDGET,
    tokenCacheSeconds: e.EARSHOT_TOKEN_CACHE_SECONDS,
    ingestRateLimit: e.EARSHOT_INGEST_RATE_LIMIT,
    ingestBatchMax: e.EARSHOT_INGEST_BATCH_MAX,
    ingestConcurrency: e.EARSHOT_INGEST_CONCURRENCY,
    phoneRegion: e.EARSHOT_PHONE_REGION as CountryCode | undefined,
    recordings: {
      limitBytes: e.EARSHOT_RECORDING_LIMIT,
      fetchTimeoutMs: e.EARSHOT_MEDIA_FETCH_TIMEOUT_SECONDS * 1000,
      maxRedirects: e.EARSHOT_MEDIA_FETCH_MAX_REDIRECTS,
      fetchAllow: e.EARSHOT_MEDIA_FETCH_ALLOW,
      fetchDeny: e.EARSHOT_MEDIA_FETCH_DENY,
      urlTtlSeconds: e.EARSHOT_MEDIA_URL_TTL_SECONDS,
    },
    crm: { allow: e.EARSHOT_CRM_ALLOW, deny: e.EARSHOT_CRM_DENY, timeoutMs: e.EARSHOT_CRM_TIMEOUT_SECONDS * 1000, retryMaxMs: e.EARSHOT_CRM_RETRY_MAX_SECONDS * 1000, mediaWaitSeconds: e.EARSHOT_CRM_MEDIA_WAIT_SECONDS },
    meiliUrl: e.MEILI_URL,
    meiliMasterKey: e.MEILI_MASTER_KEY,
    logLevel: e.LOG_LEVEL,
  };
}
