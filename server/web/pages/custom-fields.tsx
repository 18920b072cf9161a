// Custom fields: the definitions, a create form (type, enum options, both flags) and an edit form that
// says which flag change rebuilds search index settings and reports how applying them went.
import { Hono } from 'hono';
import { z } from 'zod';
import { CUSTOM_FIELD_KEY, CUSTOM_FIELD_TYPES, type CustomFieldType } from '../../domain/custom-field-types.js';
import { NotFound } from '../../domain/errors.js';
import type { CustomFieldView } from '../../services/custom-fields.js';
import type { SearchEngine } from '../../search/port.js';
import { CheckboxField, FormErrors, SelectField, TextArea, TextField, type FieldErrors } from '../fields.js';
import { Csrf } from '../layout.js';
import { fieldErrorsOf, formOf, ticked, zodErrors, type ConsoleEnv, type ConsolePage } from '../page.js';

const TYPE_LABELS: Record<CustomFieldType, string> = {
  string: 'Text',
  number: 'Number',
  enum: 'One of a list (enum)',
  string_array: 'List of texts',
  number_array: 'List of numbers',
  datetime: 'Date and time',
  boolean: 'Yes / no',
  duration: 'Duration (seconds)',
  string_url: 'Link (URL)',
};

const lines = (text: string | undefined) => (text ?? '').split(/\r?\n/).map((l) => l.trim()).filter(Boolean);

const CreateForm = z.object({
  key: z.string().trim().regex(CUSTOM_FIELD_KEY, '1–64 letters, digits, _ or -'),
  name: z.string().trim().min(1, 'required').max(255),
  type: z.enum(CUSTOM_FIELD_TYPES, { message: 'choose a type' }),
  options: z.array(z.string().max(255)).max(1000).optional(),
});
const EditForm = z.object({ name: z.string().trim().min(1, 'required').max(255), options: z.array(z.string().max(255)).max(1000).optional() });

export const customFieldsPage: ConsolePage = {
  path: '/custom-fields',
  label: 'nav.custom_fields',
  routes: ({ services, render }) => {
    const app = new Hono<ConsoleEnv>();
    const engine = services.searchIndex.engine;

    const listPage = async (c: Parameters<typeof render>[0], form: Record<string, string>, errors: FieldErrors, status: 200 | 409 | 422 = 200) => {
      const fields = await services.customFields.list();
      return render(c, 'Custom fields', <ListPage fields={fields} form={form} errors={errors} saved={c.req.query('saved')} index={c.req.query('index')} />, status);
    };

    app.get('/', (c) => listPage(c, {}, {}));
    app.post('/', async (c) => {
      const form = await formOf(c);
      const parsed = CreateForm.safeParse({ ...form, options: form.type === 'enum' ? lines(form.options) : undefined });
      if (!parsed.success) return listPage(c, form, zodErrors(parsed.error.issues), 422);
      try {
        const field = await services.customFields.define({ ...parsed.data, used_for_filtering: ticked(form, 'used_for_filtering'), used_for_evaluation: ticked(form, 'used_for_evaluation') });
        return c.redirect(`/console/custom-fields?saved=${encodeURIComponent(field.key)}&index=${field.search_settings.state}`, 303);
      } catch (error) {
        const errors = fieldErrorsOf(error);
        if (!errors) throw error;
        return listPage(c, form, errors, 422);
      }
    });

    const find = async (key: string) => {
      const field = (await services.customFields.list()).find((f) => f.key === key);
      if (!field) throw new NotFound('custom field', 'custom_field_not_found');
      return field;
    };
    const editPage = async (c: Parameters<typeof render>[0], key: string, form: Record<string, string> | undefined, errors: FieldErrors, status: 200 | 422 = 200) => {
      const field = await find(key);
      return render(c, `Custom field “${field.name}”`, <EditPage field={field} form={form} errors={errors} engine={engine} saved={c.req.query('saved')} index={c.req.query('index')} />, status);
    };

    app.get('/:key', (c) => editPage(c, c.req.param('key'), undefined, {}));
    app.post('/:key', async (c) => {
      const key = c.req.param('key');
      const field = await find(key);
      const form = await formOf(c);
      const parsed = EditForm.safeParse({ name: form.name, options: field.type === 'enum' ? lines(form.options) : undefined });
      if (!parsed.success) return editPage(c, key, form, zodErrors(parsed.error.issues), 422);
      try {
        const changed = await services.customFields.patch(key, {
          name: parsed.data.name,
          options: parsed.data.options,
          used_for_filtering: ticked(form, 'used_for_filtering'),
          used_for_evaluation: ticked(form, 'used_for_evaluation'),
        });
        return c.redirect(`/console/custom-fields/${encodeURIComponent(key)}?saved=1&index=${changed.search_settings.state}`, 303);
      } catch (error) {
        const errors = fieldErrorsOf(error);
        if (!errors) throw error;
        return editPage(c, key, form, errors, 422);
      }
    });
    app.post('/:key/archive', async (c) => {
      const changed = await services.customFields.archive(c.req.param('key'));
      return c.redirect(`/console/custom-fields?saved=${encodeURIComponent(changed.key)}&index=${changed.search_settings.state}`, 303);
    });
    return app;
  },
};

function IndexOutcome({ index }: { index: string | undefined }) {
  if (!index) return null;
  const text =
    index === 'applied'
      ? 'Search index settings applied.'
      : index === 'failed'
        ? 'Search index settings could not be applied now; the search sync retries them.'
        : 'Search index settings are pending; the search sync applies them.';
  return <span> {text}</span>;
}

function ListPage({ fields, form, errors, saved, index }: { fields: CustomFieldView[]; form: Record<string, string>; errors: FieldErrors; saved: string | undefined; index: string | undefined }) {
  return (
    <>
      {saved && (
        <p class="notice" role="status">
          Saved “{saved}”.
          <IndexOutcome index={index} />
        </p>
      )}
      <table>
        <thead>
          <tr>
            <th scope="col">Key</th>
            <th scope="col">Name</th>
            <th scope="col">Type</th>
            <th scope="col">Options</th>
            <th scope="col">Filtering</th>
            <th scope="col">Evaluation</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {fields.map((f) => (
            <tr>
              <th scope="row">
                <a href={`/console/custom-fields/${encodeURIComponent(f.key)}`}>{f.key}</a>
              </th>
              <td>{f.name}</td>
              <td>{TYPE_LABELS[f.type]}</td>
              <td>{f.options?.join(', ') ?? ''}</td>
              <td>{f.used_for_filtering ? 'yes' : 'no'}</td>
              <td>{f.used_for_evaluation ? 'yes' : 'no'}</td>
              <td>{f.archived ? 'archived' : 'active'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <form method="post" action="/console/custom-fields" class="card" aria-labelledby="h-new">
        <h2 id="h-new">New custom field</h2>
        <Csrf />
        <FormErrors errors={errors} fields={['key', 'name', 'type', 'options']} />
        <TextField name="key" label="Key" value={form.key} required errors={errors} hint="As PBXes send it in custom_fields: letters, digits, _ or -. Never changes." />
        <TextField name="name" label="Name" value={form.name} required errors={errors} />
        <SelectField name="type" label="Type" value={form.type ?? 'string'} options={CUSTOM_FIELD_TYPES.map((t) => ({ value: t, label: TYPE_LABELS[t] }))} errors={errors} hint="The type never changes once the field exists." />
        <TextArea name="options" label="Options (enum only, one per line)" value={form.options} rows={4} errors={errors} />
        <CheckboxField name="used_for_filtering" label="Used for filtering" checked={form.used_for_filtering === 'true'} errors={errors} hint="Adds the field to the search index settings (an index of its own)." />
        <CheckboxField name="used_for_evaluation" label="Used for evaluation" checked={form.used_for_evaluation === 'true'} errors={errors} />
        <button type="submit">Create field</button>
      </form>
    </>
  );
}

function EditPage(props: { field: CustomFieldView; form: Record<string, string> | undefined; errors: FieldErrors; engine: SearchEngine; saved: string | undefined; index: string | undefined }) {
  const { field, form, errors, engine } = props;
  const filtering = form ? form.used_for_filtering === 'true' : field.used_for_filtering;
  const rebuild =
    engine === 'meilisearch'
      ? 'Meilisearch updates its filterable attributes and re-indexes every document in the background; filters on this field may be incomplete until it finishes.'
      : 'Postgres builds (or drops) an index on this field over every communication; on a large installation that takes a while.';
  return (
    <>
      <p>
        <a href="/console/custom-fields">← All custom fields</a>
      </p>
      {props.saved && (
        <p class="notice" role="status">
          Saved.
          <IndexOutcome index={props.index} />
        </p>
      )}
      <form method="post" action={`/console/custom-fields/${encodeURIComponent(field.key)}`} class="card">
        <Csrf />
        <FormErrors errors={errors} fields={['name', 'options', 'used_for_filtering']} />
        <dl>
          <dt>Key</dt>
          <dd>
            <code>{field.key}</code>
          </dd>
          <dt>Type</dt>
          <dd>{TYPE_LABELS[field.type]} (never changes)</dd>
        </dl>
        <TextField name="name" label="Name" value={form?.name ?? field.name} required errors={errors} />
        {field.type === 'enum' && (
          <TextArea name="options" label="Options (one per line; options can be added, not removed)" value={form?.options ?? field.options?.join('\n')} rows={5} errors={errors} />
        )}
        <CheckboxField
          name="used_for_filtering"
          label="Used for filtering"
          checked={filtering}
          errors={errors}
          hint="Changing this changes the search index settings (see below)."
          attrs={{ 'data-index-flag': 'index-note' }}
        />
        <p id="index-note" class="notice" data-index-note hidden={!form || filtering === field.used_for_filtering}>
          Changing “used for filtering” rebuilds the search index settings: {rebuild}
        </p>
        <CheckboxField name="used_for_evaluation" label="Used for evaluation" checked={form ? form.used_for_evaluation === 'true' : field.used_for_evaluation} errors={errors} hint="Does not touch the search index." />
        <button type="submit">Save</button>
      </form>
      {!field.archived && (
        <form method="post" action={`/console/custom-fields/${encodeURIComponent(field.key)}/archive`} data-confirm={`Archive “${field.name}”? Stored values stay; new values are no longer accepted.`}>
          <Csrf />
          <button type="submit" class="secondary">
            Archive
          </button>
        </form>
      )}
    </>
  );
}
