// Operators and departments: the operator list (paged), create and edit forms, departments with a
// create form, and a CSV import that reports every bad line.
import { isStorableText } from '../../domain/storable-text.js';
import { Hono } from 'hono';
import { z } from 'zod';
import type { DepartmentView } from '../../services/departments.js';
import type { ImportReport } from '../../services/operator-import.js';
import type { OperatorView } from '../../services/operators.js';
import { CheckboxField, FormErrors, SelectField, TextArea, TextField, type FieldErrors } from '../fields.js';
import { Csrf } from '../layout.js';
import { blankToUndefined, fieldErrorsOf, formOf, ticked, zodErrors, type ConsoleContext, type ConsoleEnv, type ConsolePage } from '../page.js';

const PAGE = 50;
const nullable = <T extends z.ZodType>(schema: T) => z.preprocess((v) => blankToUndefined(v as string | undefined) ?? null, schema.nullable());
const OperatorForm = z.object({
  external_id: z.string().trim().min(1, 'required').max(255),
  email: nullable(z.email('not an email address').max(320)),
  first_name: nullable(z.string().max(255)),
  last_name: nullable(z.string().max(255)),
  department_id: nullable(z.string().uuid('choose a department')),
});
const DepartmentForm = z.object({ name: z.string().trim().min(1, 'required').max(255) });

export const operatorsPage: ConsolePage = {
  path: '/operators',
  label: 'nav.operators',
  routes: ({ services, render }) => {
    const app = new Hono<ConsoleEnv>();

    const listPage = async (c: ConsoleContext, state: { form?: Record<string, string>; errors?: FieldErrors; report?: ImportReport; status?: 200 | 409 | 422 }) => {
      const after = c.req.query('after');
      const [page, departments] = await Promise.all([services.operators.list({ limit: PAGE, after: after && after.length <= 255 ? after : undefined }), services.departments.list()]);
      return render(
        c,
        'Operators and departments',
        <ListPage operators={page.items} next={page.next_cursor} paged={after !== undefined} departments={departments} form={state.form ?? {}} errors={state.errors ?? {}} report={state.report} />,
        state.status ?? 200,
      );
    };

    app.get('/', (c) => listPage(c, {}));
    app.post('/', async (c) => {
      const form = await formOf(c);
      const parsed = OperatorForm.safeParse(form);
      if (!parsed.success) return listPage(c, { form, errors: zodErrors(parsed.error.issues), status: 422 });
      try {
        await services.operators.create({ ...parsed.data, active: ticked(form, 'active') });
      } catch (error) {
        const errors = fieldErrorsOf(error, { '': 'external_id' });
        if (!errors) throw error;
        return listPage(c, { form, errors: errors[''] ? { external_id: errors[''] } : errors, status: 422 });
      }
      return c.redirect('/console/operators', 303);
    });
    app.post('/departments', async (c) => {
      const form = await formOf(c);
      const parsed = DepartmentForm.safeParse({ name: form.department_name });
      const named = { department_name: form.department_name ?? '' };
      if (!parsed.success) return listPage(c, { form: named, errors: { department_name: parsed.error.issues[0]!.message }, status: 422 });
      try {
        await services.departments.create(parsed.data);
      } catch (error) {
        const errors = fieldErrorsOf(error);
        if (!errors) throw error;
        return listPage(c, { form: named, errors: { department_name: Object.values(errors).join('; ') }, status: 422 });
      }
      return c.redirect('/console/operators', 303);
    });
    app.post('/import', async (c) => {
      const body = await c.req.parseBody();
      const file = body.file;
      const text = file instanceof File && file.size > 0 ? await file.text() : typeof body.csv === 'string' ? body.csv : '';
      if (!text.trim()) return listPage(c, { errors: { csv: 'choose a CSV file or paste the CSV' }, status: 422 });
      if (!isStorableText(text)) return listPage(c, { errors: { csv: 'the CSV holds NUL characters or lone surrogates' }, status: 422 });
      try {
        return await listPage(c, { report: await services.operators.importCsv(text) });
      } catch (error) {
        const errors = fieldErrorsOf(error);
        if (!errors) throw error;
        return listPage(c, { form: { csv: text.slice(0, 10_000) }, errors: { csv: Object.values(errors).join('; ') }, status: 422 });
      }
    });

    const editPage = async (c: ConsoleContext, operator: OperatorView, form: Record<string, string> | undefined, errors: FieldErrors, status: 200 | 422 = 200) =>
      render(c, `Operator ${operator.external_id}`, <EditPage operator={operator} departments={await services.departments.list()} form={form} errors={errors} saved={c.req.query('saved') !== undefined} />, status);

    app.get('/:id', async (c) => editPage(c, await services.operators.get(c.req.param('id')), undefined, {}));
    app.post('/:id', async (c) => {
      const operator = await services.operators.get(c.req.param('id'));
      const form = await formOf(c);
      const parsed = OperatorForm.safeParse(form);
      if (!parsed.success) return editPage(c, operator, form, zodErrors(parsed.error.issues), 422);
      try {
        await services.operators.patch(operator.id, { ...parsed.data, active: ticked(form, 'active') });
      } catch (error) {
        const errors = fieldErrorsOf(error);
        if (!errors) throw error;
        return editPage(c, operator, form, errors[''] ? { external_id: errors[''] } : errors, 422);
      }
      return c.redirect(`/console/operators/${operator.id}?saved`, 303);
    });
    return app;
  },
};

const departmentOptions = (departments: DepartmentView[]) => departments.map((d) => ({ value: d.id, label: d.name }));

function OperatorFields({ values, departments, errors }: { values: Record<string, string | null | undefined>; departments: DepartmentView[]; errors: FieldErrors }) {
  return (
    <>
      <TextField name="external_id" label="ID in the integrated system" value={values.external_id} required errors={errors} hint="What PBXes send as operator_id: an email, an AD id, an extension." />
      <TextField name="email" label="Email" type="email" value={values.email} errors={errors} />
      <TextField name="first_name" label="First name" value={values.first_name} errors={errors} />
      <TextField name="last_name" label="Last name" value={values.last_name} errors={errors} />
      <SelectField name="department_id" label="Department" value={values.department_id} options={departmentOptions(departments)} empty="None" errors={errors} />
      <CheckboxField name="active" label="Active (calls of inactive operators are refused)" checked={values.active !== 'false'} errors={errors} />
    </>
  );
}

function ListPage(props: { operators: OperatorView[]; next: string | null; paged: boolean; departments: DepartmentView[]; form: Record<string, string>; errors: FieldErrors; report: ImportReport | undefined }) {
  const { operators, departments, form, errors, report } = props;
  const names = new Map(departments.map((d) => [d.id, d.name]));
  return (
    <>
      {report && (
        <section class="notice" role="status" aria-labelledby="h-report">
          <h2 id="h-report">Import finished</h2>
          <p data-testid="import-summary">
            {report.created} created, {report.updated} updated, {report.errors.length} lines with errors.
          </p>
          {report.errors.length > 0 && (
            <table>
              <thead>
                <tr>
                  <th scope="col">Line</th>
                  <th scope="col">Problem</th>
                </tr>
              </thead>
              <tbody data-testid="import-errors">
                {report.errors.map((e) => (
                  <tr>
                    <td>{e.line}</td>
                    <td>{e.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      )}
      <section aria-labelledby="h-operators">
        <h2 id="h-operators">Operators</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">ID in the integrated system</th>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Department</th>
              <th scope="col">Active</th>
            </tr>
          </thead>
          <tbody>
            {operators.map((o) => (
              <tr>
                <th scope="row">
                  <a href={`/console/operators/${o.id}`}>{o.external_id}</a>
                </th>
                <td>{[o.first_name, o.last_name].filter(Boolean).join(' ')}</td>
                <td>{o.email ?? ''}</td>
                <td>{o.department_id ? (names.get(o.department_id) ?? '') : ''}</td>
                <td>{o.active ? 'yes' : 'no'}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <nav class="pager" aria-label="Operator pages">
          {props.paged && <a href="/console/operators">First page</a>}
          {props.next && <a href={`/console/operators?after=${encodeURIComponent(props.next)}`}>Next page</a>}
        </nav>
      </section>
      <div class="grid">
        <form method="post" action="/console/operators" class="card" aria-labelledby="h-new-op">
          <h2 id="h-new-op">New operator</h2>
          <Csrf />
          <FormErrors errors={errors} fields={['external_id', 'email', 'first_name', 'last_name', 'department_id', 'active', 'csv', 'department_name']} />
          <OperatorFields values={form.external_id !== undefined ? { ...form, active: form.active ?? 'false' } : { active: 'true' }} departments={departments} errors={errors} />
          <button type="submit">Add operator</button>
        </form>
        <form method="post" action="/console/operators/import" enctype="multipart/form-data" class="card" aria-labelledby="h-import">
          <h2 id="h-import">Import from CSV</h2>
          <Csrf />
          <p class="hint">
            Header row: <code>external_id,email,first_name,last_name,department,active</code>. Existing operators (same external_id) are updated; departments are created by name.
          </p>
          <div class="field">
            <label for="f-file">CSV file</label>
            <input id="f-file" type="file" name="file" accept=".csv,text/csv" />
          </div>
          <TextArea name="csv" label="…or paste CSV" value={form.csv} rows={5} errors={errors} />
          <button type="submit">Import</button>
        </form>
        <section class="card" aria-labelledby="h-departments">
          <h2 id="h-departments">Departments</h2>
          <ul>
            {departments.map((d) => (
              <li>{d.name}</li>
            ))}
          </ul>
          <form method="post" action="/console/operators/departments">
            <Csrf />
            <TextField name="department_name" label="New department" value={form.department_name} errors={errors} />
            <button type="submit">Add department</button>
          </form>
        </section>
      </div>
    </>
  );
}

function EditPage({ operator, departments, form, errors, saved }: { operator: OperatorView; departments: DepartmentView[]; form: Record<string, string> | undefined; errors: FieldErrors; saved: boolean }) {
  const values = form ? { ...form, active: form.active ?? 'false' } : { ...operator, active: String(operator.active) };
  return (
    <>
      <p>
        <a href="/console/operators">← All operators</a>
      </p>
      {saved && (
        <p class="notice" role="status">
          Saved.
        </p>
      )}
      <form method="post" action={`/console/operators/${operator.id}`} class="card narrow">
        <Csrf />
        <FormErrors errors={errors} fields={['external_id', 'email', 'first_name', 'last_name', 'department_id', 'active']} />
        <OperatorFields values={values} departments={departments} errors={errors} />
        <button type="submit">Save</button>
      </form>
    </>
  );
}
