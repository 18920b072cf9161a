// The secret parts of a pull source's config — password fields (ARI, Oktell) and the password inside a
// URL (a CDR database URL, an http(s) URL with user:password@) — split off to be sealed apart from the
// config, joined back only to open the source, and masked wherever a config is shown.

/** Config fields whose whole value is secret. */
export const PASSWORD_FIELDS = ['password'] as const;
/** Config fields holding a URL whose password part is secret. */
const URL_FIELDS = ['url', 'recordings_url'] as const;

export const MASK = '********';

/** Field name → the secret: the whole value of a password field, the (URL-encoded) password of a URL field. */
export type SourceSecrets = Record<string, string>;

type Config = Record<string, unknown>;

/** The config without any secret, and the secrets taken out of it (empty when there were none). */
export function splitSecrets(config: Config): { config: Config; secrets: SourceSecrets } {
  const rest: Config = { ...config };
  const secrets: SourceSecrets = {};
  for (const field of PASSWORD_FIELDS) {
    if (!Object.hasOwn(rest, field)) continue;
    if (typeof rest[field] === 'string') secrets[field] = rest[field];
    delete rest[field];
  }
  for (const field of URL_FIELDS) {
    const value = rest[field];
    if (typeof value !== 'string') continue;
    const url = parse(value);
    if (!url?.password) continue;
    secrets[field] = url.password;
    url.password = '';
    rest[field] = url.toString();
  }
  return { config: rest, secrets };
}

/** The config the adapter needs: the stored config with its secrets put back. */
export function joinSecrets(config: Config, secrets: SourceSecrets): Config {
  const whole: Config = { ...config };
  for (const field of PASSWORD_FIELDS) if (Object.hasOwn(secrets, field)) whole[field] = secrets[field];
  for (const field of URL_FIELDS) {
    const value = whole[field];
    const url = typeof value === 'string' && Object.hasOwn(secrets, field) ? parse(value) : null;
    if (!url) continue;
    url.password = secrets[field]!;
    whole[field] = url.toString();
  }
  return whole;
}

/** The config as shown to admins: each secret there is replaced by the mask, nothing secret remains. */
export function maskSecrets(config: Config): Config {
  const { config: rest, secrets } = splitSecrets(config);
  return joinSecrets(rest, Object.fromEntries(Object.keys(secrets).map((field) => [field, MASK])));
}

/**
 * A config patch with masks sent back as shown (a URL edited around its `********`, a password field
 * left as the mask) given the stored secrets again, so saving what was shown never stores the mask.
 */
export function unmaskPatch(patch: Config, stored: SourceSecrets): Config {
  const out: Config = { ...patch };
  for (const field of PASSWORD_FIELDS) if (out[field] === MASK && Object.hasOwn(stored, field)) out[field] = stored[field];
  for (const field of URL_FIELDS) {
    const value = out[field];
    const url = typeof value === 'string' && Object.hasOwn(stored, field) ? parse(value) : null;
    if (url?.password !== MASK) continue;
    url.password = stored[field]!;
    out[field] = url.toString();
  }
  return out;
}

function parse(value: string): URL | null {
  return URL.canParse(value) ? new URL(value) : null;
}
