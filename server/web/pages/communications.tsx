// Communications: the list with filters built from the custom field definitions (each type its own
// control), core filters, the full-text box and paging — all state in the URL — and one communication's
// page (player, transcript with click-to-seek, custom fields, tags).
import { ROLES } from '../../domain/principal.js';
import type { Translate } from '../i18n/translator.js';
import { communicationActions } from '../communication-extras.js';
import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { DomainError } from '../../domain/errors.js';
import type { CustomFieldView } from '../../services/custom-fields.js';
import { SelectField, TextField, type FieldErrors } from '../fields.js';
import { formatDuration, formatTime } from '../format.js';
import { Highlight } from '../highlight.js';
import { coreControls, customControls, PAGE_SIZES, paramsOf, readListQuery, SORTS, type FilterControl } from '../list-filters.js';
import { consoleScope, type ConsoleEnv, type ConsolePage } from '../page.js';
import { communicationView } from './communication.js';

type SearchPage = Awaited<ReturnType<import('../../services/communications.js').Communications['search']>>;

export const communicationsPage: ConsolePage = {
  path: '/communications',
  label: 'nav.communications',
  roles: ROLES,
  routes: ({ services, render }) => {
    const app = new Hono<ConsoleEnv>();
    app.get('/', async (c) => {
      const query = c.req.query();
      const fields = await services.customFields.list();
      const controls = [...coreControls(c.var.t), ...customControls(fields.filter((f) => f.used_for_filtering && !f.archived))];
      const request = readListQuery(query, controls);
      let errors: FieldErrors = request.errors;
      let result: SearchPage | undefined;
      let status: ContentfulStatusCode = 200;
      if (Object.keys(errors).length === 0) {
        try {
          result = await services.communications.search(await consoleScope(c, services), request);
          await c.var.audit.record('search.performed', undefined, { request, returned: result.items.length });
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          errors = { '': error.message };
        }
      }
      if (!result) status = 422;
      return render(c, c.var.t('nav.communications'), <ListPage t={c.var.t} query={query} controls={controls} errors={errors} result={result} fields={fields} />, status);
    });
    app.get('/:id', async (c) => communicationView(c, services, render));
    app.route('/', communicationActions(services, render));
    return app;
  },
};

function ListPage(props: { t: Translate; query: Record<string, string>; controls: FilterControl[]; errors: FieldErrors; result: SearchPage | undefined; fields: CustomFieldView[] }) {
  const { t, query, controls, errors, result } = props;
  const core = controls.filter((c) => !c.param.startsWith('cf.'));
  const custom = controls.filter((c) => c.param.startsWith('cf.'));
  const withQuery = (changes: Record<string, string | undefined>) => {
    const params = new URLSearchParams(Object.entries({ ...query, ...changes }).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
    return `/console/communications?${params.toString()}`;
  };
  const detailQuery = query.q ? `?q=${encodeURIComponent(query.q)}` : '';
  return (
    <>
      <form method="get" action="/console/communications" class="filters" role="search" aria-label={t('list.search')}>
        <input type="hidden" name="tz" value={query.tz ?? ''} data-timezone />
        <div class="search-row">
          <TextField name="q" label={t('list.q')} type="search" value={query.q} errors={errors} />
        </div>
        <fieldset>
          <legend>{t('list.filters')}</legend>
          {core.map((control) => (
            <Control t={t} control={control} query={query} errors={errors} />
          ))}
        </fieldset>
        {custom.length > 0 && (
          <fieldset>
            <legend>{t('list.custom_fields')}</legend>
            {custom.map((control) => (
              <Control t={t} control={control} query={query} errors={errors} />
            ))}
          </fieldset>
        )}
        <fieldset class="inline">
          <legend>{t('list.order_legend')}</legend>
          <SelectField name="sort" label={t('list.order')} value={query.sort ?? 'newest'} options={[...SORTS].map(([value, s]) => ({ value, label: t(s.label) }))} errors={errors} />
          <SelectField name="limit" label={t('list.per_page')} value={query.limit ?? '50'} options={PAGE_SIZES.map((n) => ({ value: String(n), label: String(n) }))} errors={errors} />
        </fieldset>
        <div class="actions">
          <button type="submit">{t('list.apply')}</button>
          <a href="/console/communications">{t('list.reset')}</a>
        </div>
      </form>
      {errors[''] && (
        <p class="alert" role="alert">
          {errors['']}
        </p>
      )}
      {result && (
        <section aria-labelledby="h-results">
          <h2 id="h-results">
            {t('list.results')} <small data-testid="total">{t('list.about', { count: result.estimated_total ?? result.items.length })}</small>
          </h2>
          {result.items.length === 0 ? (
            <p>{t('list.nothing')}</p>
          ) : (
            <table class="results">
              <thead>
                <tr>
                  <th scope="col">{t('list.col.started')}</th>
                  <th scope="col">{t('list.col.kind')}</th>
                  <th scope="col">{t('list.col.direction')}</th>
                  <th scope="col">{t('list.col.duration')}</th>
                  <th scope="col">{t('list.col.operator')}</th>
                  <th scope="col">{t('list.col.client')}</th>
                  <th scope="col">{t('list.col.tags')}</th>
                  <th scope="col">{t('list.col.recording')}</th>
                </tr>
              </thead>
              <tbody>
                {result.items.map((item) => (
                  <tr>
                    <td>
                      <a href={`/console/communications/${item.id}${detailQuery}`}>
                        <time datetime={item.started_at}>{formatTime(item.started_at)}</time>
                      </a>
                      {'highlight' in item && typeof item.highlight === 'string' && (
                        <div class="excerpt">
                          <Highlight html={item.highlight} />
                        </div>
                      )}
                    </td>
                    <td>{item.kind}</td>
                    <td>{item.direction ?? '—'}</td>
                    <td>{formatDuration(item.duration)}</td>
                    <td>{item.operator ? item.operator.external_id : '—'}</td>
                    <td>{[item.client_phone_number, item.client ? [item.client.first_name, item.client.last_name].filter(Boolean).join(' ') : null].filter(Boolean).join(' · ') || '—'}</td>
                    <td>{item.tags.join(', ')}</td>
                    <td>{item.media?.state ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <nav class="pager" aria-label={t('list.pages')}>
            {query.cursor && <a href={withQuery({ cursor: undefined })}>{t('list.first')}</a>}
            {result.next_cursor && (
              <a href={withQuery({ cursor: result.next_cursor })} rel="next">
                {t('list.next')}
              </a>
            )}
          </nav>
        </section>
      )}
    </>
  );
}

function Control({ t, control, query, errors }: { t: Translate; control: FilterControl; query: Record<string, string>; errors: FieldErrors }) {
  const [first, second] = paramsOf(control) as [string, string | undefined];
  switch (control.kind) {
    case 'text':
      return <TextField name={first} label={control.op === 'contains' ? t('control.contains', { label: control.label }) : control.label} type={control.numeric ? 'number' : 'text'} step={control.numeric ? 'any' : undefined} value={query[first]} errors={errors} />;
    case 'select':
      return <SelectField name={first} label={control.label} value={query[first]} options={control.options ?? []} empty={t('control.any')} errors={errors} />;
    case 'boolean':
      return <SelectField name={first} label={control.label} value={query[first]} options={[{ value: 'true', label: t('control.yes') }, { value: 'false', label: t('control.no') }]} empty={t('control.any')} errors={errors} />;
    case 'number_range':
      return (
        <div class="range" role="group" aria-label={control.label}>
          <TextField name={first} label={t('control.from', { label: control.label })} type="number" step="any" value={query[first]} errors={errors} />
          <TextField name={second!} label={t('control.to', { label: control.label })} type="number" step="any" value={query[second!]} errors={errors} />
        </div>
      );
    case 'date_range':
      return (
        <div class="range" role="group" aria-label={control.label}>
          <TextField name={first} label={t('control.from', { label: control.label })} type="date" value={query[first]} errors={errors} />
          <TextField name={second!} label={t('control.to', { label: control.label })} type="date" value={query[second!]} errors={errors} />
        </div>
      );
  }
}
