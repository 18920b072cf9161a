// Pull sources: the list with each source's last run and error, run now, activate/deactivate, and
// create/edit forms whose config fields come from the kind's schema, with errors next to the fields.
import { Hono } from 'hono';
import { DomainError, NotFound } from '../../domain/errors.js';
import type { IntegrationView } from '../../services/integrations.js';
import type { RunStats } from '../../services/pull-sources.js';
import { CreateSourceSchema, SOURCE_CONFIGS, UpdateSourceSchema, type SourceKind } from '../../sources/config.js';
import { CheckboxField, FormErrors, SelectField, TextArea, TextField, type FieldErrors } from '../fields.js';
import { formatTime } from '../format.js';
import { ActionButton, Csrf } from '../layout.js';
import { fieldErrorsOf, formOf, ticked, zodErrors, type ConsoleContext, type ConsoleEnv, type ConsolePage } from '../page.js';
import { configFields, formValue, readConfigForm, type ConfigField } from '../source-config-form.js';
import { RepullSection, RunHistory, runHistoryOf, sourceRunRoutes, type RepullOutcome } from '../source-runs.js';

type SourceView = Awaited<ReturnType<import('../../services/pull-sources.js').PullSources['get']>>;

const KINDS: Record<SourceKind, string> = {
  asterisk_cdr_csv: 'Asterisk Master.csv (CDR file)',
  asterisk_cdr_sql: 'Asterisk CDR database (Postgres / MySQL)',
  asterisk_ari: 'Asterisk ARI (recordings)',
  oktell_http: 'Oktell (HTTP)',
};
const isKind = (v: string | undefined): v is SourceKind => v !== undefined && Object.hasOwn(SOURCE_CONFIGS, v);

export const sourcesPage: ConsolePage = {
  path: '/sources',
  label: 'nav.sources',
  routes: ({ services, render }) => {
    const app = new Hono<ConsoleEnv>();

    const listPage = async (c: ConsoleContext, outcome?: { name: string; stats?: RunStats; error?: string }) =>
      render(c, 'Pull sources', <ListPage sources={await services.pullSources.list()} outcome={outcome} />);

    const formPage = async (c: ConsoleContext, props: { kind: SourceKind; source?: SourceView; form?: Record<string, string>; errors?: FieldErrors; status?: 200 | 409 | 422; repull?: RepullOutcome }) => {
      const integrations = await services.integrations.list();
      const title = props.source ? `Source “${props.source.name}”` : 'New pull source';
      const runs = props.source ? await runHistoryOf({ services }, props.source.id, c.req.query('runs_before')) : undefined;
      const form = <SourceForm kind={props.kind} source={props.source} form={props.repull ? undefined : props.form} integrations={integrations} errors={props.errors ?? {}} saved={c.req.query('saved') !== undefined} />;
      const history = props.source && runs && (
        <>
          <RepullSection sourceId={props.source.id} outcome={props.repull} />
          <RunHistory sourceId={props.source.id} runs={runs} />
        </>
      );
      return render(c, title, <>{form}{history}</>, props.status ?? 200);
    };
    sourceRunRoutes(app, { services, render }, async (c, id, repull, status) => {
      const source = await services.pullSources.get(id);
      return formPage(c, { kind: source.kind, source, repull, status });
    });

    app.get('/', (c) => listPage(c));
    app.get('/new', (c) => {
      const kind = c.req.query('kind');
      return formPage(c, { kind: isKind(kind) ? kind : 'asterisk_cdr_csv' });
    });
    app.post('/new', async (c) => {
      const form = await formOf(c);
      if (!isKind(form.kind)) return formPage(c, { kind: 'asterisk_cdr_csv', form, errors: { kind: 'choose a kind' }, status: 422 });
      const { config, errors } = readConfigForm(form.kind, form);
      if (Object.keys(errors).length) return formPage(c, { kind: form.kind, form, errors, status: 422 });
      const parsed = CreateSourceSchema.safeParse({ name: form.name, kind: form.kind, integration_id: form.integration_id, schedule: form.schedule, active: ticked(form, 'active'), config });
      if (!parsed.success) return formPage(c, { kind: form.kind, form, errors: zodErrors(parsed.error.issues), status: 422 });
      try {
        const created = await services.pullSources.create(parsed.data);
        return c.redirect(`/console/sources/${created.id}?saved`, 303);
      } catch (error) {
        const fieldErrors = fieldErrorsOf(error);
        if (!fieldErrors) throw error;
        return formPage(c, { kind: form.kind, form, errors: fieldErrors, status: 422 });
      }
    });

    app.get('/:id', async (c) => {
      const source = await services.pullSources.get(c.req.param('id'));
      return formPage(c, { kind: source.kind, source });
    });
    app.post('/:id', async (c) => {
      const source = await services.pullSources.get(c.req.param('id'));
      const form = await formOf(c);
      const { config: posted, errors } = readConfigForm(source.kind, form);
      if (Object.keys(errors).length) return formPage(c, { kind: source.kind, source, form, errors, status: 422 });
      // Only what changed is sent: a field posted as shown (a redacted database URL included) keeps the stored value.
      const config = Object.fromEntries(
        configFields(source.kind)
          .filter((f) => f.name in posted && form[`config.${f.name}`] !== formValue(f, source.config[f.name]))
          .map((f) => [f.name, posted[f.name]]),
      );
      const parsed = UpdateSourceSchema.safeParse({ name: form.name, schedule: form.schedule, active: ticked(form, 'active'), ...(Object.keys(config).length ? { config } : {}) });
      if (!parsed.success) return formPage(c, { kind: source.kind, source, form, errors: zodErrors(parsed.error.issues), status: 422 });
      try {
        await services.pullSources.update(source.id, parsed.data);
        return c.redirect(`/console/sources/${source.id}?saved`, 303);
      } catch (error) {
        const fieldErrors = fieldErrorsOf(error);
        if (!fieldErrors) throw error;
        return formPage(c, { kind: source.kind, source, form, errors: fieldErrors, status: 422 });
      }
    });
    app.post('/:id/active', async (c) => {
      const form = await formOf(c);
      const source = await services.pullSources.get(c.req.param('id'));
      await services.pullSources.update(source.id, { active: form.active === 'true' });
      return c.redirect('/console/sources', 303);
    });
    app.post('/:id/run', async (c) => {
      const source = await services.pullSources.get(c.req.param('id'));
      try {
        return await listPage(c, { name: source.name, stats: await services.pullSources.run(source.id) });
      } catch (error) {
        // The run's failure is recorded as the source's last error; show it rather than a server error.
        if (error instanceof NotFound) throw error;
        return listPage(c, { name: source.name, error: error instanceof DomainError || error instanceof Error ? error.message : String(error) });
      }
    });
    return app;
  },
};

function ListPage({ sources, outcome }: { sources: SourceView[]; outcome: { name: string; stats?: RunStats; error?: string } | undefined }) {
  return (
    <>
      {outcome && (
        <p class={outcome.error ? 'alert' : 'notice'} role="status" data-testid="run-outcome">
          {outcome.error
            ? `Run of “${outcome.name}” failed: ${outcome.error}`
            : `Ran “${outcome.name}”: ${outcome.stats!.read} records read, ${outcome.stats!.created} calls created, ${outcome.stats!.updated} updated, ${outcome.stats!.skipped} skipped, ${outcome.stats!.recordings} recordings, ${outcome.stats!.rejected} rejected, in ${outcome.stats!.ms} ms.`}
        </p>
      )}
      <p>
        <a class="button" href="/console/sources/new">
          New pull source
        </a>
      </p>
      {sources.length === 0 ? (
        <p>No pull sources yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Kind</th>
              <th scope="col">Schedule</th>
              <th scope="col">Last run</th>
              <th scope="col">Last error</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {sources.map((s) => (
              <tr>
                <th scope="row">
                  <a href={`/console/sources/${s.id}`}>{s.name}</a>
                </th>
                <td>{KINDS[s.kind]}</td>
                <td>
                  <code>{s.schedule}</code> {s.active ? '' : '(inactive)'}
                </td>
                <td>
                  <time datetime={s.last_run_at ?? undefined}>{formatTime(s.last_run_at)}</time>
                </td>
                <td class={s.last_error ? 'bad' : ''}>{s.last_error ?? '—'}</td>
                <td>
                  <ActionButton action={`/console/sources/${s.id}/run`} label="Run now" ariaLabel={`Run ${s.name} now`} secondary={false} />{' '}
                  <ActionButton action={`/console/sources/${s.id}/active`} label={s.active ? 'Deactivate' : 'Activate'} ariaLabel={`${s.active ? 'Deactivate' : 'Activate'} ${s.name}`} fields={{ active: s.active ? 'false' : 'true' }} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function SourceForm(props: { kind: SourceKind; source?: SourceView | undefined; form?: Record<string, string> | undefined; errors: FieldErrors; integrations: IntegrationView[]; saved: boolean }) {
  const { kind, source, form, errors } = props;
  const fields = configFields(kind);
  const value = (name: string, stored: unknown, initial = '') => form?.[name] ?? (source ? (stored === undefined || stored === null ? '' : String(stored)) : initial);
  const configValue = (field: ConfigField) =>
    form?.[`config.${field.name}`] ?? (source ? (field.secret ? '' : formValue(field, source.config[field.name])) : field.initial);
  const shown = ['name', 'kind', 'integration_id', 'schedule', 'active', 'config', ...fields.map((f) => `config.${f.name}`)];
  return (
    <>
      <p>
        <a href="/console/sources">← All pull sources</a>
      </p>
      {props.saved && (
        <p class="notice" role="status">
          Saved; the configuration was checked against the source.
        </p>
      )}
      {!source && (
        <form method="get" action="/console/sources/new" class="card">
          <SelectField name="kind" label="Kind of source" value={kind} options={Object.entries(KINDS).map(([v, l]) => ({ value: v, label: l }))} />
          <button type="submit" class="secondary">
            Show its settings
          </button>
        </form>
      )}
      <form method="post" action={source ? `/console/sources/${source.id}` : '/console/sources/new'} class="card">
        <Csrf />
        {!source && <input type="hidden" name="kind" value={kind} />}
        <FormErrors errors={errors} fields={shown} />
        <p>
          Kind: <strong>{KINDS[kind]}</strong>
        </p>
        <TextField name="name" label="Name" value={value('name', source?.name)} required errors={errors} />
        {!source && (
          <SelectField
            name="integration_id"
            label="Integration the calls belong to"
            value={form?.integration_id}
            options={props.integrations.map((i) => ({ value: i.id, label: i.name }))}
            errors={errors}
          />
        )}
        <TextField name="schedule" label="Schedule (cron)" value={value('schedule', source?.schedule, '*/5 * * * *')} required errors={errors} hint="Five fields (or six with seconds), e.g. */5 * * * * for every five minutes." />
        <CheckboxField name="active" label="Active (runs on its schedule)" checked={form ? form.active === 'true' : (source?.active ?? true)} errors={errors} />
        <fieldset>
          <legend>Settings</legend>
          {errors.config && (
            <p class="alert" role="alert">
              {errors.config}
            </p>
          )}
          {fields.map((field) => (
            <ConfigInput field={field} value={configValue(field)} errors={errors} editing={source !== undefined} />
          ))}
        </fieldset>
        <button type="submit">{source ? 'Save' : 'Create source'}</button>
      </form>
    </>
  );
}

function ConfigInput({ field, value, errors, editing }: { field: ConfigField; value: string; errors: FieldErrors; editing: boolean }) {
  const name = `config.${field.name}`;
  const label = `${field.name.replaceAll('_', ' ')}${field.required ? '' : ' (optional)'}`;
  const hint = field.secret && editing ? 'Leave empty to keep the stored one.' : field.description;
  switch (field.kind) {
    case 'boolean':
      return <CheckboxField name={name} label={label} checked={value === 'true'} errors={errors} hint={hint} />;
    case 'select':
      return <SelectField name={name} label={label} value={value} options={(field.options ?? []).map((o) => ({ value: o, label: o }))} errors={errors} hint={hint} />;
    case 'json':
      return <TextArea name={name} label={`${label}, JSON`} value={value} rows={4} errors={errors} hint={hint} />;
    default:
      return <TextField name={name} label={label} type={field.secret ? 'password' : field.kind === 'number' ? 'number' : 'text'} value={value} required={field.required && !(field.secret && editing)} errors={errors} hint={hint} autocomplete={field.secret ? 'new-password' : undefined} />;
  }
}
