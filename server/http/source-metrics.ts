// Per pull source on /metrics, labelled by source_id: rows read and rejected (counters, counted as runs of
// this process end), lag (seconds since the start of the newest record imported) and the time of the
// last successful run (gauges, read from the database when scraped, so every instance reports them).
import client from 'prom-client';
import type { SourceRuns } from '../services/source-runs.js';

export function registerSourceMetrics(registry: client.Registry, runs: SourceRuns): void {
  const labelNames = ['source_id'] as const;
  const read = new client.Counter({ name: 'earshot_source_rows_read_total', help: 'Pull source records read (rows, lines, listings) by the runs of this process', labelNames, registers: [registry] });
  const rejected = new client.Counter({ name: 'earshot_source_rows_rejected_total', help: 'Pull source records rejected as unreadable by the runs of this process (listed in the run history)', labelNames, registers: [registry] });
  runs.onFinished((run) => {
    read.inc({ source_id: run.sourceId }, run.read);
    rejected.inc({ source_id: run.sourceId }, run.rejected);
  });
  new client.Gauge({
    name: 'earshot_source_lag_seconds',
    help: 'Seconds since the start of the newest record a pull source imported',
    labelNames,
    registers: [registry],
    async collect() {
      this.reset();
      for (const s of await runs.health()) if (s.newest_record_at) this.set({ source_id: s.id }, Math.max(0, (Date.now() - s.newest_record_at.getTime()) / 1000));
    },
  });
  new client.Gauge({
    name: 'earshot_source_last_success_timestamp_seconds',
    help: 'Unix time of the last pull source run that ended without an error',
    labelNames,
    registers: [registry],
    async collect() {
      this.reset();
      for (const s of await runs.health()) if (s.last_success_at) this.set({ source_id: s.id }, s.last_success_at.getTime() / 1000);
    },
  });
}
