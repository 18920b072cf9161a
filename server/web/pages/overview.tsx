// Overview: ingest rate, search lag and outbox backlog, pull sources' last runs, background jobs,
// media store usage, version and migrations.
import { Hono } from 'hono';
import type { OverviewReport } from '../../services/console-overview.js';
import type { Translate } from '../i18n/translator.js';
import { formatBytes, formatTime } from '../format.js';
import type { ConsoleEnv, ConsolePage } from '../page.js';

export const overviewPage: ConsolePage = {
  path: '/overview',
  label: 'nav.overview',
  routes: ({ services, render }) => {
    const app = new Hono<ConsoleEnv>();
    app.get('/', async (c) => render(c, c.var.t('nav.overview'), <Overview t={c.var.t} report={await services.consoleOverview.read()} />));
    return app;
  },
};

function Overview({ t, report }: { t: Translate; report: OverviewReport }) {
  const { ingest, readiness, sources, jobs, media, migrations, crm } = report;
  const pending = migrations.filter((m) => !m.applied_at);
  return (
    <div class="grid">
      <section class="card" aria-labelledby="h-ingest">
        <h2 id="h-ingest">{t('overview.ingest')}</h2>
        <dl>
          <dt>{t('overview.last_hour')}</dt>
          <dd data-testid="ingest-hour">{ingest.last_hour}</dd>
          <dt>{t('overview.last_day')}</dt>
          <dd data-testid="ingest-day">{ingest.last_day}</dd>
        </dl>
      </section>
      <section class="card" aria-labelledby="h-search">
        <h2 id="h-search">{t('overview.search')}</h2>
        <dl>
          <dt>{t('overview.engine')}</dt>
          <dd>
            {readiness.search.engine} — {readiness.search.status}
            {readiness.search.detail ? ` (${readiness.search.detail})` : ''}
          </dd>
          <dt>{t('overview.index_settings')}</dt>
          <dd>{readiness.search.settings.state === 'failed' ? t('overview.settings_failed', { error: String(readiness.search.settings.error) }) : readiness.search.settings.state}</dd>
        </dl>
        <table>
          <caption>{t('overview.outbox')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('overview.topic')}</th>
              <th scope="col">{t('overview.pending')}</th>
              <th scope="col">{t('overview.oldest')}</th>
              <th scope="col">{t('overview.dead')}</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(readiness.outbox ?? {}).map(([topic, b]) => (
              <tr>
                <th scope="row">{topic}</th>
                <td>{b.pending}</td>
                <td>{t('overview.seconds', { count: Math.round(b.oldest_seconds) })}</td>
                <td class={b.dead > 0 ? 'bad' : ''}>{b.dead}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section class="card" aria-labelledby="h-crm">
        <h2 id="h-crm">{t('overview.crm')}</h2>
        {crm.length === 0 ? (
          <p>{t('overview.no_crm')}</p>
        ) : (
          <table data-testid="crm-overview">
            <thead>
              <tr>
                <th scope="col">{t('overview.connector')}</th>
                <th scope="col">{t('overview.pending')}</th>
                <th scope="col">{t('overview.paused')}</th>
                <th scope="col">{t('overview.dead')}</th>
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
        <h2 id="h-media">{t('overview.media')}</h2>
        <dl>
          <dt>{t('overview.recordings')}</dt>
          <dd>
            {t('overview.files', { count: media.files })}, {formatBytes(media.stored_bytes)}
          </dd>
          <dt>{t('overview.volume')}</dt>
          <dd>
            {t('overview.free_of', { free: formatBytes(media.volume_free_bytes), total: formatBytes(media.volume_total_bytes) })}
          </dd>
        </dl>
      </section>
      <section class="card" aria-labelledby="h-version">
        <h2 id="h-version">{t('overview.version')}</h2>
        <dl>
          <dt>{t('overview.database')}</dt>
          <dd>{readiness.database}</dd>
          <dt>{t('overview.migrations')}</dt>
          <dd data-testid="migrations">
            {t('overview.applied', { applied: migrations.length - pending.length, count: migrations.length })}
            {pending.length > 0 ? t('overview.pending_list', { names: pending.map((m) => m.name).join(', ') }) : t('overview.latest', { name: migrations.at(-1)?.name ?? '—' })}
          </dd>
        </dl>
      </section>
      <section class="card wide" aria-labelledby="h-sources">
        <h2 id="h-sources">{t('overview.sources')}</h2>
        {sources.length === 0 ? (
          <p>
            {t('overview.no_sources')} <a href="/console/sources/new">{t('overview.add_source')}</a>.
          </p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">{t('overview.source')}</th>
                <th scope="col">{t('overview.active')}</th>
                <th scope="col">{t('overview.last_run')}</th>
                <th scope="col">{t('overview.last_error')}</th>
              </tr>
            </thead>
            <tbody>
              {sources.map((s) => (
                <tr>
                  <th scope="row">
                    <a href={`/console/sources/${s.id}`}>{s.name}</a>
                  </th>
                  <td>{t(s.active ? 'overview.yes' : 'overview.no')}</td>
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
        <h2 id="h-jobs">{t('overview.jobs')}</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">{t('overview.job')}</th>
              <th scope="col">{t('overview.last_started')}</th>
              <th scope="col">{t('overview.last_finished')}</th>
              <th scope="col">{t('overview.runs')}</th>
              <th scope="col">{t('overview.last_error')}</th>
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
