// Latency percentiles and rates for benchmark reports.
export function percentile(sortedMs: number[], p: number): number {
  if (sortedMs.length === 0) return NaN;
  const index = Math.min(sortedMs.length - 1, Math.ceil((p / 100) * sortedMs.length) - 1);
  return sortedMs[Math.max(0, index)]!;
}

export interface RunStats {
  ops: number;
  seconds: number;
  rate: number;
  p50: number;
  p99: number;
  errors: number;
}

/** Runs `worker` on `concurrency` loops until `seconds` pass; each call is one timed operation. */
export async function runFor(seconds: number, concurrency: number, worker: (seq: number) => Promise<boolean>): Promise<RunStats> {
  const latencies: number[] = [];
  let seq = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const ok = await worker(seq++);
        latencies.push(performance.now() - t0);
        if (!ok) errors++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { ops: latencies.length, seconds: elapsed, rate: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors };
}
