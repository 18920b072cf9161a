// Bounded HTTP(S) download of a recording: destinations checked on every resolved address (so DNS
// cannot point a public name at an internal host), redirects bounded, one deadline for the whole
// transfer, size capped by Content-Length and by counting. Failures say whether a retry can help.
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { Readable } from 'node:stream';
import { checkedLookup, type DestinationPolicy } from './destination-policy.js';

export class FetchFailed extends Error {
  constructor(
    message: string,
    /** True when retrying cannot help (404, blocked destination, too large). */
    readonly permanent: boolean,
    /** True when the host gave no answer at all (name not resolved, connection refused or reset, timed out). */
    readonly unreachable = false,
  ) {
    super(message);
    this.name = 'FetchFailed';
  }
}

export interface DownloadOptions {
  limitBytes: number;
  timeoutMs: number;
  maxRedirects: number;
  /** Null for admin-configured source endpoints, which may sit anywhere the admin says. */
  policy: DestinationPolicy | null;
  headers?: Record<string, string>;
}

export interface Download {
  body: Readable;
  contentType: string | undefined;
}

const RETRYABLE_STATUS = new Set([408, 425, 429]);

export async function download(url: string, options: DownloadOptions): Promise<Download> {
  const deadline = Date.now() + options.timeoutMs;
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    const response = await requestOnce(current, options, deadline);
    const status = response.statusCode ?? 0;
    if (status >= 300 && status < 400 && response.headers.location) {
      response.resume();
      if (hop >= options.maxRedirects) throw new FetchFailed(`more than ${options.maxRedirects} redirects`, true);
      current = new URL(response.headers.location, current);
      continue;
    }
    if (status !== 200) {
      response.resume();
      const permanent = status >= 400 && status < 500 && !RETRYABLE_STATUS.has(status);
      throw new FetchFailed(`HTTP ${status} from ${current.host}`, permanent);
    }
    const declared = Number(response.headers['content-length'] ?? NaN);
    if (declared > options.limitBytes) {
      response.destroy();
      throw new FetchFailed(`the recording is ${declared} bytes, over the limit of ${options.limitBytes}`, true);
    }
    return { body: response, contentType: response.headers['content-type'] };
  }
}

function requestOnce(url: URL, options: DownloadOptions, deadline: number): Promise<http.IncomingMessage> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return Promise.reject(new FetchFailed(`unsupported scheme ${url.protocol}`, true));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const { policy } = options;
  if (policy && (!policy.hostAllowed(host) || (isIP(host) !== 0 && !policy.addressAllowed(host, host)))) {
    return Promise.reject(new FetchFailed(`destination ${host} is not allowed (see EARSHOT_MEDIA_FETCH_ALLOW)`, true));
  }
  const remaining = deadline - Date.now();
  if (remaining <= 0) return Promise.reject(new FetchFailed('timed out', false));
  return new Promise((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const request = client.request(url, {
      method: 'GET',
      headers: { 'user-agent': 'earshot', accept: 'audio/*, */*', ...options.headers },
      ...(policy ? { lookup: checkedLookup(policy, host, (message) => new FetchFailed(message, true)) } : {}),
    });
    const timer = setTimeout(() => request.destroy(new FetchFailed('timed out', false, true)), remaining);
    request.on('response', (response) => {
      response.on('close', () => clearTimeout(timer));
      resolve(response);
    });
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(error instanceof FetchFailed ? error : new FetchFailed(`${(error as NodeJS.ErrnoException).code ?? error.message} reaching ${host}`, false, true));
    });
    request.end();
  });
}

