// Communications: the list with filters built from the custom field definitions (each type its own
// control), core filters, the full-text box and paging — all state in the URL — and one communication's
// page (player, transcript with click-to-seek, custom fields, tags).
import { ROLES } from '../../domain/principal.js';
import { communicationActions } from '../communication-extras.js';
import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { DomainError } from '../../domain/errors.js';
import type { CustomFieldView } from '../../services/custom-fields.js';
import { SelectField, TextField, type FieldErrors } from '../fields.js';
import { formatDuration, formatTime } from '../format.js';
import { Highlight } from '../highlight.js';
import { CORE_CONTROLS, customControls, PAGE_SIZES, paramsOf, readListQuery, SORTS, type FilterControl } from '../list-filters.js';
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
      const controls = [...CORE_CONTROLS, ...customControls(fields.filter((f) => f.used_for_filtering && !f.archived))];
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
      return render(c, 'Communications', <ListPage query={query} controls={controls} errors={errors} result={result} fields={fields} />, status);
    });
    app.get('/:id', async (c) => communicationView(c, services, render));
    app.route('/', communicationActions(services, render));
    return app;
  },
};

function ListPage(props: { query: Record<string, string>; controls: FilterControl[]; errors: FieldErrors; result: SearchPage | undefined; fields: CustomFieldView[] }) {
  const { query, controls, errors, result } = props;
  const core = controls.filter((c) => !c.param.startsWith('cf.'));
  const custom = controls.filter((c) => c.param.startsWith('cf.'));
  const withQuery = (changes: Record<string, string | undefined>) => {
    const params = new URLSearchParams(Object.entries({ ...query, ...changes }).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
    return `/console/communications?${params.toString()}`;
  };
  const detailQuery = query.q ? `?q=${encodeURIComponent(query.q)}` : '';
  return (
    <>
      <form method="get" action="/console/communications" class="filters" role="search" aria-label="Filter communications">
        <input type="hidden" name="tz" value={query.tz ?? ''} data-timezone />
        <div class="search-row">
          <TextField name="q" label="Full text (transcripts, messages, client names and phones)" type="search" value={query.q} errors={errors} />
        </div>
        <fieldset>
          <legend>Filters</legend>
          {core.map((control) => (
            <Control control={control} query={query} errors={errors} />
          ))}
        </fieldset>
        {custom.length > 0 && (
          <fieldset>
            <legend>Custom fields</legend>
            {custom.map((control) => (
              <Control control={control} query={query} errors={errors} />
            ))}
          </fieldset>
        )}
        <fieldset class="inline">
          <legend>Order and page size</legend>
          <SelectField name="sort" label="Order" value={query.sort ?? 'newest'} options={[...SORTS].map(([value, s]) => ({ value, label: s.label }))} errors={errors} />
          <SelectField name="limit" label="Per page" value={query.limit ?? '50'} options={PAGE_SIZES.map((n) => ({ value: String(n), label: String(n) }))} errors={errors} />
        </fieldset>
        <div class="actions">
          <button type="submit">Apply</button>
          <a href="/console/communications">Reset</a>
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
            Results <small data-testid="total">about {result.estimated_total ?? result.items.length}</small>
          </h2>
          {result.items.length === 0 ? (
            <p>Nothing matches these filters.</p>
          ) : (
            <table class="results">
              <thead>
                <tr>
                  <th scope="col">Started</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Direction</th>
                  <th scope="col">Duration</th>
                  <th scope="col">Operator</th>
                  <th scope="col">Client</th>
                  <th scope="col">Tags</th>
                  <th scope="col">Recording</th>
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
          <nav class="pager" aria-label="Pages">
            {query.cursor && <a href={withQuery({ cursor: undefined })}>First page</a>}
            {result.next_cursor && (
              <a href={withQuery({ cursor: result.next_cursor })} rel="next">
                Next page
              </a>
            )}
          </nav>
        </section>
      )}
    </>
  );
}

function Control({ control, query, errors }: { control: FilterControl; query: Record<string, string>; errors: FieldErrors }) {
  const [first, second] = paramsOf(control) as [string, string | undefined];
  switch (control.kind) {
    case 'text':
      return <TextField name={first} label={control.op === 'contains' ? `${control.label} (contains)` : control.label} type={control.numeric ? 'number' : 'text'} step={control.numeric ? 'any' : undefined} value={query[first]} errors={errors} />;
    case 'select':
      return <SelectField name={first} label={control.label} value={query[first]} options={control.options ?? []} empty="Any" errors={errors} />;
    case 'boolean':
      return <SelectField name={first} label={control.label} value={query[first]} options={[{ value: 'true', label: 'Yes' }, { value: 'false', label: 'No' }]} empty="Any" errors={errors} />;
    case 'number_range':
      return (
        <div class="range" role="group" aria-label={control.label}>
          <TextField name={first} label={`${control.label} from`} type="number" step="any" value={query[first]} errors={errors} />
          <TextField name={second!} label={`${control.label} to`} type="number" step="any" value={query[second!]} errors={errors} />
        </div>
      );
    case 'date_range':
      return (
        <div class="range" role="group" aria-label={control.label}>
          <TextField name={first} label={`${control.label} from`} type="date" value={query[first]} errors={errors} />
          <TextField name={second!} label={`${control.label} to`} type="date" value={query[second!]} errors={errors} />
        </div>
      );
  }
}
