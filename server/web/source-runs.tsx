// A pull source's run history in the console: the latest runs on the source's page (older ones a page
// at a time), one run with the rows it rejected, and the re-pull form (dry run first) for a time window.
import type { Hono } from 'hono';
import { DomainError, NotFound } from '../domain/errors.js';
import { RUN_KEEP_COUNT, RUN_KEEP_DAYS, type RunView } from '../services/source-runs.js';
import { RepullWindowSchema, type DryRunReport } from '../services/source-window.js';
import type { RunStats } from '../services/pull-sources.js';
import { CheckboxField, FormErrors, TextField, type FieldErrors } from './fields.js';
import { formatTime } from './format.js';
import { Csrf } from './layout.js';
import { formOf, ticked, zodErrors, type ConsoleContext, type ConsoleEnv, type PageDeps } from './page.js';

const RUNS_PER_PAGE = 20;
const REJECTIONS_PER_PAGE = 100;
const cursorParam = (value: string | undefined) => (value !== undefined && /^\d{1,18}$/.test(value) ? value : undefined);

export type RepullOutcome = { report?: DryRunReport; stats?: RunStats; error?: string; form?: Record<string, string>; errors?: FieldErrors };

/** The run history of a source, for its page; `before` is the run id the page continues after. */
export async function runHistoryOf({ services }: Pick<PageDeps, 'services'>, sourceId: string, before: string | undefined) {
  return services.pullSources.runs.list(sourceId, { limit: RUNS_PER_PAGE, before: cursorParam(before) });
}

/** Adds the run page and the re-pull action to the sources sub-app; `sourcePage` renders a source's page with an outcome. */
export function sourceRunRoutes(app: Hono<ConsoleEnv>, { services, render }: PageDeps, sourcePage: (c: ConsoleContext, id: string, outcome: RepullOutcome, status?: 200 | 422) => Promise<Response>) {
  app.post('/:id/repull', async (c) => {
    const id = c.req.param('id');
    const form = await formOf(c);
    const parsed = RepullWindowSchema.safeParse({ from: form.from, to: form.to, dry_run: ticked(form, 'dry_run') });
    if (!parsed.success) return sourcePage(c, id, { form, errors: zodErrors(parsed.error.issues) }, 422);
    const window = { from: new Date(parsed.data.from), to: new Date(parsed.data.to) };
    try {
      const result = await services.pullSources.repullWindow(id, window, parsed.data.dry_run);
      return sourcePage(c, id, 'dry_run' in result ? { report: result, form } : { stats: result });
    } catch (error) {
      if (error instanceof NotFound) throw error;
      // A failed re-pull is recorded in the run history; show why rather than a server error.
      return sourcePage(c, id, { form, error: error instanceof DomainError || error instanceof Error ? error.message : String(error) });
    }
  });

  app.get('/:id/runs/:run_id', async (c) => {
    const source = await services.pullSources.get(c.req.param('id'));
    const run = await services.pullSources.runs.get(source.id, c.req.param('run_id'));
    const after = cursorParam(c.req.query('after'));
    const rejected = await services.pullSources.runs.rejections(source.id, run.id, { limit: REJECTIONS_PER_PAGE, after: after === undefined ? undefined : Number(after) });
    return render(c, `Run ${run.id} of “${source.name}”`, <RunPage sourceId={source.id} run={run} rejected={rejected} />);
  });
}

export function RepullSection({ sourceId, outcome }: { sourceId: string; outcome: RepullOutcome | undefined }) {
  const errors = outcome?.errors ?? {};
  return (
    <section aria-labelledby="repull-title">
      <h2 id="repull-title">Re-pull a time window</h2>
      {outcome?.error && (
        <p class="alert" role="status" data-testid="repull-outcome">
          Re-pull failed: {outcome.error}
        </p>
      )}
      {outcome?.report && (
        <p class="notice" role="status" data-testid="repull-outcome">
          Dry run: {outcome.report.read} records in the window, {outcome.report.to_take} not imported yet ({outcome.report.calls} calls) would be taken, {outcome.report.seen_before} already imported, {outcome.report.rejected} rejected. Nothing was written.
        </p>
      )}
      {outcome?.stats && (
        <p class="notice" role="status" data-testid="repull-outcome">
          Re-pulled: {outcome.stats.read} records in the window, {outcome.stats.created} calls created, {outcome.stats.updated} updated, {outcome.stats.skipped} skipped, {outcome.stats.seen_before} already imported, {outcome.stats.rejected} rejected.
        </p>
      )}
      <form method="post" action={`/console/sources/${sourceId}/repull`} class="card">
        <Csrf />
        <FormErrors errors={errors} fields={['from', 'to', 'dry_run']} />
        <p>Reads the records that started in the window again, from its start (the cursor stays). Records never read, or skipped before (no operator), are taken; imported ones are left as they are.</p>
        <TextField name="from" label="From" value={outcome?.form?.from} required errors={errors} hint="ISO 8601 with a zone, e.g. 2024-07-01T00:00:00+03:00" />
        <TextField name="to" label="To (not included)" value={outcome?.form?.to} required errors={errors} hint="ISO 8601 with a zone" />
        <CheckboxField name="dry_run" label="Dry run: only count, write nothing" checked={outcome?.form ? outcome.form.dry_run === 'true' : true} errors={errors} />
        <button type="submit">Re-pull</button>
      </form>
    </section>
  );
}

export function RunHistory({ sourceId, runs }: { sourceId: string; runs: { items: RunView[]; next_cursor: string | null } }) {
  return (
    <section aria-labelledby="runs-title">
      <h2 id="runs-title">Runs</h2>
      <p>
        Every run is kept {RUN_KEEP_DAYS} days (at least the newest {RUN_KEEP_COUNT}), with the rows it rejected.
      </p>
      {runs.items.length === 0 ? (
        <p>No runs yet.</p>
      ) : (
        <table data-testid="runs">
          <thead>
            <tr>
              <th scope="col">Started</th>
              <th scope="col">Trigger</th>
              <th scope="col">Status</th>
              <th scope="col">Read</th>
              <th scope="col">Imported</th>
              <th scope="col">Updated</th>
              <th scope="col">Rejected</th>
              <th scope="col">Recordings</th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {runs.items.map((run) => (
              <tr>
                <th scope="row">
                  <a href={`/console/sources/${sourceId}/runs/${run.id}`}>
                    <time datetime={run.started_at}>{formatTime(run.started_at)}</time>
                  </a>
                </th>
                <td>{run.window ? `re-pull ${formatTime(run.window.from)} – ${formatTime(run.window.to)}` : run.trigger}</td>
                <td class={run.status === 'failed' ? 'bad' : ''}>{run.status}</td>
                <td>{run.counts.read}</td>
                <td>{run.counts.imported}</td>
                <td>{run.counts.updated}</td>
                <td>{run.counts.rejected}</td>
                <td>{run.counts.recordings}</td>
                <td class={run.error ? 'bad' : ''}>{run.error ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {runs.next_cursor && (
        <p>
          <a href={`/console/sources/${sourceId}?runs_before=${runs.next_cursor}`}>Older runs</a>
        </p>
      )}
    </section>
  );
}

function RunPage({ sourceId, run, rejected }: { sourceId: string; run: RunView; rejected: { items: Array<{ position: number; at: string; reason: string; raw: string | null }>; next_cursor: string | null } }) {
  return (
    <>
      <p>
        <a href={`/console/sources/${sourceId}`}>← The source</a>
      </p>
      <dl class="card">
        <dt>Trigger</dt>
        <dd>{run.window ? `re-pull of ${formatTime(run.window.from)} – ${formatTime(run.window.to)}` : run.trigger}</dd>
        <dt>Started / finished</dt>
        <dd>
          {formatTime(run.started_at)} / {formatTime(run.finished_at)}
        </dd>
        <dt>Status</dt>
        <dd class={run.status === 'failed' ? 'bad' : ''}>
          {run.status}
          {run.error ? `: ${run.error}` : ''}
        </dd>
        <dt>Counts</dt>
        <dd>
          {run.counts.read} read, {run.counts.imported} imported, {run.counts.updated} updated, {run.counts.rejected} rejected, {run.counts.recordings} recordings
        </dd>
      </dl>
      <h2>Rejected rows</h2>
      {rejected.items.length === 0 ? (
        <p>No rejected rows.</p>
      ) : (
        <table data-testid="rejected">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Where</th>
              <th scope="col">Reason</th>
              <th scope="col">Row as read</th>
            </tr>
          </thead>
          <tbody>
            {rejected.items.map((r) => (
              <tr>
                <td>{r.position + 1}</td>
                <td>{r.at}</td>
                <td>{r.reason}</td>
                <td>
                  <code>{r.raw ?? '—'}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {rejected.next_cursor && (
        <p>
          <a href={`/console/sources/${sourceId}/runs/${run.id}?after=${rejected.next_cursor}`}>More rejected rows</a>
        </p>
      )}
    </>
  );
}
