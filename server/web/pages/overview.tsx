// Overview: ingest rate, search lag and outbox backlog, pull sources' last runs, background jobs,
// media store usage, version and migrations.
import { Hono } from 'hono';
import type { OverviewReport } from '../../services/console-overview.js';
import { formatBytes, formatTime } from '../format.js';
import type { ConsoleEnv, ConsolePage } from '../page.js';

export const overviewPage: ConsolePage = {
  path: '/overview',
  label: 'nav.overview',
  routes: ({ services, render }) => {
    const app = new Hono<ConsoleEnv>();
    app.get('/', async (c) => render(c, 'Overview', <Overview report={await services.consoleOverview.read()} />));
    return app;
  },
};

function Overview({ report }: { report: OverviewReport }) {
  const { ingest, readiness, sources, jobs, media, migrations, crm } = report;
  const pending = migrations.filter((m) => !m.applied_at);
  return (
    <div class="grid">
      <section class="card" aria-labelledby="h-ingest">
        <h2 id="h-ingest">Ingest</h2>
        <dl>
          <dt>Last hour</dt>
          <dd data-testid="ingest-hour">{ingest.last_hour}</dd>
          <dt>Last 24 hours</dt>
          <dd data-testid="ingest-day">{ingest.last_day}</dd>
        </dl>
      </section>
      <section class="card" aria-labelledby="h-search">
        <h2 id="h-search">Search and outbox</h2>
        <dl>
          <dt>Engine</dt>
          <dd>
            {readiness.search.engine} — {readiness.search.status}
            {readiness.search.detail ? ` (${readiness.search.detail})` : ''}
          </dd>
          <dt>Index settings</dt>
          <dd>{readiness.search.settings.state === 'failed' ? `failed: ${readiness.search.settings.error}` : readiness.search.settings.state}</dd>
        </dl>
        <table>
          <caption>Outbox backlog by consumer</caption>
          <thead>
            <tr>
              <th scope="col">Topic</th>
              <th scope="col">Pending</th>
              <th scope="col">Oldest pending (lag)</th>
              <th scope="col">Failed (dead)</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(readiness.outbox ?? {}).map(([topic, b]) => (
              <tr>
                <th scope="row">{topic}</th>
                <td>{b.pending}</td>
                <td>{Math.round(b.oldest_seconds)} s</td>
                <td class={b.dead > 0 ? 'bad' : ''}>{b.dead}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section class="card" aria-labelledby="h-crm">
        <h2 id="h-crm">CRM deliveries</h2>
        {crm.length === 0 ? (
          <p>No CRM connector.</p>
        ) : (
          <table data-testid="crm-overview">
            <thead>
              <tr>
                <th scope="col">Connector</th>
                <th scope="col">Pending</th>
                <th scope="col">Paused</th>
                <th scope="col">Failed (dead)</th>
              </tr>
            </thead>
            <tbody>
              {crm.map((c) => (
                <tr>
                  <th scope="row">
                    <a href={`/console/crm?connector=${c.connector_id}`}>{c.name}</a>
                    {c.connector_state === 'active' ? '' : ` (${c.connector_state})`}
                  </th>
                  <td>{c.pending}</td>
                  <td class={c.paused > 0 ? 'bad' : ''}>{c.paused}</td>
                  <td class={c.dead > 0 ? 'bad' : ''}>{c.dead}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section class="card" aria-labelledby="h-media">
        <h2 id="h-media">Media store</h2>
        <dl>
          <dt>Recordings</dt>
          <dd>
            {media.files} files, {formatBytes(media.stored_bytes)}
          </dd>
          <dt>Volume</dt>
          <dd>
            {formatBytes(media.volume_free_bytes)} free of {formatBytes(media.volume_total_bytes)}
          </dd>
        </dl>
      </section>
      <section class="card" aria-labelledby="h-version">
        <h2 id="h-version">Version and schema</h2>
        <dl>
          <dt>Database</dt>
          <dd>{readiness.database}</dd>
          <dt>Migrations</dt>
          <dd data-testid="migrations">
            {migrations.length - pending.length} of {migrations.length} applied
            {pending.length > 0 ? `; pending: ${pending.map((m) => m.name).join(', ')}` : `; latest ${migrations.at(-1)?.name ?? '—'}`}
          </dd>
        </dl>
      </section>
      <section class="card wide" aria-labelledby="h-sources">
        <h2 id="h-sources">Pull sources</h2>
        {sources.length === 0 ? (
          <p>
            No pull sources. <a href="/console/sources/new">Add one</a>.
          </p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Source</th>
                <th scope="col">Active</th>
                <th scope="col">Last run</th>
                <th scope="col">Last error</th>
              </tr>
            </thead>
            <tbody>
              {sources.map((s) => (
                <tr>
                  <th scope="row">
                    <a href={`/console/sources/${s.id}`}>{s.name}</a>
                  </th>
                  <td>{s.active ? 'yes' : 'no'}</td>
                  <td>
                    <time datetime={s.last_run_at ?? undefined}>{formatTime(s.last_run_at)}</time>
                  </td>
                  <td class={s.last_error ? 'bad' : ''}>{s.last_error ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section class="card wide" aria-labelledby="h-jobs">
        <h2 id="h-jobs">Background jobs</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">Last started</th>
              <th scope="col">Last finished</th>
              <th scope="col">Runs / failures</th>
              <th scope="col">Last error</th>
            </tr>
          </thead>
          <tbody>
            {jobs.map((j) => (
              <tr>
                <th scope="row">{j.name}</th>
                <td>
                  <time datetime={j.last_started_at?.toISOString()}>{formatTime(j.last_started_at?.toISOString())}</time>
                </td>
                <td>
                  <time datetime={j.last_finished_at?.toISOString()}>{formatTime(j.last_finished_at?.toISOString())}</time>
                </td>
                <td>
                  {j.runs} / {j.failures}
                </td>
                <td class={j.last_error ? 'bad' : ''}>{j.last_error ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}
