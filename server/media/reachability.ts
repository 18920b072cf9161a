// Within one pass over recordings to fetch, the first request to a host is its probe: requests to the same
// host wait for it, and are not sent at all when the host gave no answer (name not resolved, connection
// refused or reset, timed out). An unreachable PBX then costs one attempt per pass, not one per recording.
import { FetchFailed } from './downloader.js';

export class PassReachability {
  /** Per host: the probe, resolving to the reason the host is unreachable, or undefined when it answered. */
  private readonly probes = new Map<string, Promise<string | undefined>>();

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
      settle(undefined);
      return result;
    } catch (error) {
      settle(error instanceof FetchFailed && error.unreachable ? error.message : undefined);
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
