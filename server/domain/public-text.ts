// What may be shown of a server-side failure or a posted URL: no file system paths (they describe the
// server's layout), no credentials in URLs (user:password@ stays with the fetch, never on display).

// An absolute POSIX path (not part of a URL or a relative path) or a Windows drive path.
const FILE_PATH = /(?<![\w.~:/@-])\/[^\s/'"`<>]+(?:\/[^\s/'"`<>]*)*|\b[A-Za-z]:\\[^\s'"`<>]+/g;

export function withoutFilePaths(text: string): string {
  return text.replace(FILE_PATH, '<path>');
}

/** A failure's message for the API: a system error (ENOSPC, EACCES…) by its code only, other messages without paths. */
export function publicReason(error: unknown): string {
  const { code, syscall } = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; syscall?: unknown };
  if (typeof code === 'string' && typeof syscall === 'string') return `the server could not store the recording (${code})`;
  return withoutFilePaths(error instanceof Error ? error.message : String(error)).slice(0, 2000);
}

/** The URL without its user:password@ part; text that is not a URL is returned as it is. */
export function withoutUserinfo(url: string): string {
  if (!URL.canParse(url)) return url;
  const parsed = new URL(url);
  if (!parsed.username && !parsed.password) return url;
  parsed.username = '';
  parsed.password = '';
  return parsed.toString();
}
