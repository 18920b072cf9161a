// Users (issue 17): the people who sign in — list with role, department and state; a create form that
// shows the new user's one-time invite link once; activate/deactivate (deactivation ends the user's
// sessions and tokens at once). Text from the message catalogue; admins only.
import { Hono } from 'hono';
import { z } from 'zod';
import { ROLES } from '../../domain/principal.js';
import type { DepartmentView } from '../../services/departments.js';
import type { OperatorView } from '../../services/operators.js';
import type { UserView } from '../../services/users.js';
import { FormErrors, SelectField, TextField, type FieldErrors } from '../fields.js';
import type { Translate } from '../i18n/translator.js';
import { ActionButton, Csrf } from '../layout.js';
import { blankToUndefined, fieldErrorsOf, formOf, zodErrors, type ConsoleContext, type ConsoleEnv, type ConsolePage } from '../page.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const optionalId = z.preprocess((v) => blankToUndefined(v as string | undefined), z.string().regex(UUID).optional());
const userForm = (t: Translate) =>
  z.object({
    email: z.string().trim().pipe(z.email(t('users.bad_email')).max(320)),
    name: z.string().trim().min(1, t('users.required')).max(255),
    role: z.enum(ROLES),
    department_id: optionalId,
    operator_id: optionalId,
  });

export const usersPage: ConsolePage = {
  path: '/users',
  label: 'nav.users',
  routes: ({ services, render }) => {
    const app = new Hono<ConsoleEnv>();

    const listPage = async (c: ConsoleContext, state: { form?: Record<string, string>; errors?: FieldErrors; invite?: { email: string; url: string }; status?: 200 | 422 }) => {
      const [users, departments, operators] = await Promise.all([services.users.list({ limit: 500 }), services.departments.list(), services.operators.list({ limit: 1000 })]);
      return render(c, c.var.t('users.title'), <UsersList t={c.var.t} users={users.items} departments={departments} operators={operators.items} {...state} />, state.status ?? 200);
    };

    app.get('/', (c) => listPage(c, {}));
    app.post('/', async (c) => {
      const form = await formOf(c);
      const parsed = userForm(c.var.t).safeParse(form);
      if (!parsed.success) return listPage(c, { form, errors: zodErrors(parsed.error.issues), status: 422 });
      const { department_id, operator_id, ...fields } = parsed.data;
      try {
        const user = await services.users.create({ ...fields, department_ids: department_id ? [department_id] : [], operator_id: operator_id ?? null });
        await c.var.audit.record('user.created', { type: 'user', id: user.id }, { email: user.email, role: user.role });
        return listPage(c, { invite: user.invite_url ? { email: user.email, url: user.invite_url } : undefined });
      } catch (error) {
        const errors = fieldErrorsOf(error, { 'department_ids[0]': 'department_id' });
        if (!errors) throw error;
        return listPage(c, { form, errors: errors[''] ? { email: errors[''] } : errors, status: 422 });
      }
    });
    const setActive = (active: boolean) => async (c: ConsoleContext) => {
      const user = await services.users.patch(c.req.param('id') ?? '', { active });
      await c.var.audit.record('user.updated', { type: 'user', id: user.id }, { changed: ['active'] });
      return c.redirect('/console/users', 303);
    };
    app.post('/:id/deactivate', setActive(false));
    app.post('/:id/activate', setActive(true));
    return app;
  },
};

interface ListProps {
  t: Translate;
  users: UserView[];
  departments: DepartmentView[];
  operators: OperatorView[];
  form?: Record<string, string> | undefined;
  errors?: FieldErrors | undefined;
  invite?: { email: string; url: string } | undefined;
}

function UsersList({ t, users, departments, operators, form = {}, errors = {}, invite }: ListProps) {
  const departmentName = new Map(departments.map((d) => [d.id, d.name]));
  const roleName = (role: (typeof ROLES)[number]) => t(`users.role.${role}`);
  return (
    <>
      {invite && (
        <p class="notice" role="status" data-testid="invite">
          {t('users.invite_once', { email: invite.email })} <code>{invite.url}</code>
        </p>
      )}
      <section class="card" aria-labelledby="h-users">
        <h2 id="h-users">{t('users.count', { count: users.length })}</h2>
        <table data-testid="users">
          <thead>
            <tr>
              <th scope="col">{t('users.email')}</th>
              <th scope="col">{t('users.name')}</th>
              <th scope="col">{t('users.role')}</th>
              <th scope="col">{t('users.department')}</th>
              <th scope="col">{t('users.state')}</th>
              <th scope="col"></th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr>
                <td>{u.email}</td>
                <td>{u.name}</td>
                <td>{roleName(u.role)}</td>
                <td>{u.department_ids.map((id) => departmentName.get(id) ?? id).join(', ') || '—'}</td>
                <td>{t(u.active ? 'users.active' : 'users.inactive')}</td>
                <td>
                  {u.active ? (
                    <ActionButton action={`/console/users/${u.id}/deactivate`} label={t('users.deactivate')} ariaLabel={t('users.deactivate_label', { email: u.email })} />
                  ) : (
                    <ActionButton action={`/console/users/${u.id}/activate`} label={t('users.activate')} ariaLabel={t('users.activate_label', { email: u.email })} />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <form method="post" action="/console/users" class="card" aria-labelledby="h-new-user">
        <h2 id="h-new-user">{t('users.new')}</h2>
        <Csrf />
        <FormErrors errors={errors} fields={['email', 'name', 'role', 'department_id', 'operator_id']} />
        <TextField name="email" label={t('users.email')} type="email" value={form.email} errors={errors} required />
        <TextField name="name" label={t('users.name')} value={form.name} errors={errors} required />
        <SelectField name="role" label={t('users.role')} value={form.role ?? 'supervisor'} options={ROLES.map((r) => ({ value: r, label: roleName(r) }))} errors={errors} />
        <SelectField name="department_id" label={t('users.department')} value={form.department_id} empty={t('users.department_any')} options={departments.map((d) => ({ value: d.id, label: d.name }))} errors={errors} />
        <SelectField name="operator_id" label={t('users.operator')} hint={t('users.operator_hint')} value={form.operator_id} empty={t('users.operator_none')} options={operators.map((o) => ({ value: o.id, label: o.external_id }))} errors={errors} />
        <button type="submit">{t('users.create')}</button>
      </form>
    </>
  );
}
