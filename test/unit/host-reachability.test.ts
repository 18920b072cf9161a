import { describe, expect, it } from 'vitest';
import { FetchFailed } from '../../server/media/downloader.js';
import { HostReachability } from '../../server/media/reachability.js';

const policy = { baseMs: 1_000, maxMs: 60_000, maxAttempts: 20 };
const refused = () => Promise.reject(new FetchFailed('ECONNREFUSED reaching pbx:8080', false, true));

describe('HostReachability', () => {
  it('sends one request to a host per pass until it answers, and fails the rest with its reason', async () => {
    const pass = new HostReachability(policy).pass();
    let sent = 0;
    const attempt = () => {
      sent++;
      return new Promise<never>((_, reject) => setTimeout(() => reject(new FetchFailed('timed out', false, true)), 20));
    };
    const outcomes = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => pass.request(`http://pbx:8080/r${i}.wav`, attempt)));
    expect(sent).toBe(1);
    expect(outcomes.map((o) => o.status === 'rejected' && (o.reason as FetchFailed).message)).toEqual(Array(5).fill('timed out'));
    // Another host in the same pass is asked on its own.
    await expect(pass.request('http://other:8080/x.wav', async () => 'body')).resolves.toBe('body');
  });

  it('lets the other requests through once the probe got an answer, even an HTTP error', async () => {
    const pass = new HostReachability(policy).pass();
    let sent = 0;
    const notFound = () => {
      sent++;
      return Promise.reject(new FetchFailed('HTTP 404 from pbx', true));
    };
    await Promise.allSettled(Array.from({ length: 3 }, (_, i) => pass.request(`http://pbx/r${i}.wav`, notFound)));
    expect(sent).toBe(3);
  });

  it("lengthens a down host's retry delay with each unanswered pass and forgets it once it answers", async () => {
    const hosts = new HostReachability(policy);
    const url = 'http://pbx:8080/r.wav';
    expect(hosts.retryDelayMs(url, 500)).toBe(500);
    const ceilings: number[] = [];
    for (let pass = 0; pass < 6; pass++) {
      await hosts.pass().request(url, refused).catch(() => {});
      ceilings.push(hosts.retryDelayMs(url, 0));
    }
    // Full jitter between half the ceiling and the ceiling: 1 s, 2 s, 4 s … doubling per pass.
    ceilings.forEach((delay, i) => expect(delay).toBeGreaterThanOrEqual(500 * 2 ** i));
    expect(hosts.retryDelayMs(url, 10 * 60_000)).toBe(10 * 60_000); // a row's own longer delay wins
    expect(hosts.retryDelayMs('http://elsewhere/r.wav', 700)).toBe(700);
    await hosts.pass().request(url, async () => 'up');
    expect(hosts.retryDelayMs(url, 500)).toBe(500);
  });
});
