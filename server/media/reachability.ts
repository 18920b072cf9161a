// Hosts that recordings are fetched from, and whether they answer. Within one pass over recordings to
// fetch, the first request to a host is its probe: requests to the same host wait for it, and are not sent
// when the host gave no answer (name not resolved, connection refused or reset, timed out). Across passes,
// a host's consecutive unanswered probes set a backoff of its own, so the recordings of a PBX that is down
// wait for it together instead of each retrying on its own short schedule. An answer resets it.
import { backoffDelayMs, type BackoffPolicy } from '../domain/backoff.js';
import { FetchFailed } from './downloader.js';

/** Hosts remembered at most (PBXes of one installation are few; the oldest is forgotten first). */
const MAX_HOSTS = 1024;

export class HostReachability {
  /** Per host: consecutive passes whose probe got no answer. */
  private readonly unanswered = new Map<string, number>();

  constructor(private readonly backoff: BackoffPolicy) {}

  /** Starts a pass over recordings to fetch. */
  pass(): PassReachability {
    return new PassReachability(this);
  }

  /** The delay before a recording is retried: its own, or its host's while the host is not answering, whichever is longer. */
  retryDelayMs(url: string, ownDelayMs: number): number {
    const failures = this.unanswered.get(hostOf(url) ?? '');
    return failures === undefined ? ownDelayMs : Math.max(ownDelayMs, backoffDelayMs(failures, this.backoff));
  }

  recordProbe(host: string, answered: boolean): void {
    const failures = this.unanswered.get(host) ?? 0;
    this.unanswered.delete(host);
    if (answered) return;
    this.unanswered.set(host, failures + 1);
    if (this.unanswered.size > MAX_HOSTS) this.unanswered.delete(this.unanswered.keys().next().value!);
  }
}

export class PassReachability {
  /** Per host: the probe, resolving to the reason the host is unreachable, or undefined when it answered. */
  private readonly probes = new Map<string, Promise<string | undefined>>();

  constructor(private readonly hosts: HostReachability) {}

  async request<T>(url: string, attempt: () => Promise<T>): Promise<T> {
    const host = hostOf(url);
    if (host === undefined) return attempt();
    const probe = this.probes.get(host);
    if (probe) {
      const unreachable = await probe;
      if (unreachable !== undefined) throw new FetchFailed(unreachable, false, true);
      return attempt();
    }
    let settle!: (unreachable: string | undefined) => void;
    this.probes.set(host, new Promise((resolve) => (settle = resolve)));
    try {
      const result = await attempt();
      this.hosts.recordProbe(host, true);
      settle(undefined);
      return result;
    } catch (error) {
      const unreachable = error instanceof FetchFailed && error.unreachable ? error.message : undefined;
      this.hosts.recordProbe(host, unreachable === undefined);
      settle(unreachable);
      throw error;
    }
  }
}

/** host:port of a URL, or undefined when it is not one. */
function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}
