// CRM connectors and their delivery log: create a connector (config, rules and secrets as JSON, errors
// next to the field they are about; generated secrets shown once), activate (resending the last days) or
// deactivate, and the delivery log filtered by state and connector with a replay button per delivery.
// Activating and replaying send work again: each first shows what would go out and asks to confirm.
import { Hono } from 'hono';
import { NotFound } from '../../domain/errors.js';
import { resendSince } from '../../services/crm-connectors.js';
import type { Services } from '../../services/index.js';
import { FormErrors, SelectField, TextArea, TextField, type FieldErrors } from '../fields.js';
import { ActionButton, Csrf } from '../layout.js';
import { fieldErrorsOf, formOf, type ConsoleContext, type ConsoleEnv, type ConsolePage } from '../page.js';
import { ActivationConfirmation, confirmed, DeliveryCells, DeliveryHeads, ReplayConfirmation } from '../resend-confirmation.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const KINDS = ['webhook', 'bitrix24', 'amocrm', 'usedesk', 'zoho_desk'] as const;
const STATES = ['pending', 'delivered', 'dead', 'paused'] as const;
/** How many of the deliveries an activation would resend its confirmation lists. */
const LISTED = 100;
type Connector = Awaited<ReturnType<Services['crmConnectors']['list']>>[number];
type Delivery = Awaited<ReturnType<Services['crmDeliveryLog']['list']>>[number];

/** A JSON textarea's content, or the message to show next to it. */
function parseJson(text: string | undefined, name: string, errors: FieldErrors): Record<string, unknown> | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {}
  errors[name] = 'expected a JSON object';
  return undefined;
}

/** Detail paths such as rules.field_mapping[1].crm_field shown next to the textarea they belong to. */
function byTextarea(errors: FieldErrors): FieldErrors {
  const out: FieldErrors = {};
  for (const [path, message] of Object.entries(errors)) {
    const field = ['config', 'rules', 'secrets'].find((f) => path === f || path.startsWith(`${f}.`)) ?? path;
    const text = field === path ? message : `${path.slice(field.length + 1)}: ${message}`;
    out[field] = out[field] ? `${out[field]}; ${text}` : text;
  }
  return out;
}

export const crmPage: ConsolePage = {
  path: '/crm',
  label: 'nav.crm',
  routes: ({ services, render }) => {
    const app = new Hono<ConsoleEnv>();
    const page = async (c: ConsoleContext, form: Record<string, string>, errors: FieldErrors, status: 200 | 201 | 422 = 200, shown?: Record<string, unknown>) => {
      const state = STATES.find((s) => s === c.req.query('state'));
      const connector = UUID.test(c.req.query('connector') ?? '') ? c.req.query('connector') : undefined;
      const [connectors, deliveries] = await Promise.all([services.crmConnectors.list(), services.crmDeliveryLog.list({ state, connector_id: connector }, 100)]);
      return render(c, 'CRM', <CrmPage connectors={connectors} deliveries={deliveries} form={form} errors={errors} filter={{ state, connector }} shown={shown} />, status);
    };

    app.get('/', (c) => page(c, {}, {}));
    app.post('/', async (c) => {
      const form = await formOf(c);
      const errors: FieldErrors = {};
      const config = parseJson(form.config, 'config', errors) ?? {};
      const rules = parseJson(form.rules, 'rules', errors);
      const secrets = parseJson(form.secrets, 'secrets', errors);
      if (!form.name?.trim()) errors.name = 'name the connector';
      const kind = KINDS.find((k) => k === form.kind);
      if (!kind) errors.kind = 'choose a kind';
      if (Object.keys(errors).length > 0 || !kind) return page(c, form, errors, 422);
      try {
        const created = await services.crmConnectors.create({ name: form.name!.trim(), kind, config, rules: rules ?? {}, ...(secrets ? { secrets } : {}), max_concurrency: 8 });
        return page(c, {}, {}, 201, 'secrets' in created ? (created.secrets as Record<string, unknown>) : undefined);
      } catch (error) {
        const refused = fieldErrorsOf(error);
        if (!refused) throw error;
        return page(c, form, byTextarea(refused), 422);
      }
    });
    const editPage = async (c: ConsoleContext, id: string, form: Record<string, string> | undefined, errors: FieldErrors, status: 200 | 422 = 200) => {
      const connector = await services.crmConnectors.get(id);
      const shown = form ?? { name: connector.name, config: JSON.stringify(connector.config, null, 2), rules: JSON.stringify(connector.rules, null, 2), secrets: '' };
      return render(c, `CRM connector ${connector.name}`, <EditPage connector={connector} form={shown} errors={errors} />, status);
    };
    app.get('/connectors/:id', (c) => {
      const id = c.req.param('id');
      if (!UUID.test(id)) throw new NotFound('CRM connector', 'connector_not_found');
      return editPage(c, id, undefined, {});
    });
    app.post('/connectors/:id', async (c) => {
      const id = c.req.param('id');
      if (!UUID.test(id)) throw new NotFound('CRM connector', 'connector_not_found');
      const form = await formOf(c);
      const errors: FieldErrors = {};
      const config = parseJson(form.config, 'config', errors);
      const rules = parseJson(form.rules, 'rules', errors);
      const secrets = parseJson(form.secrets, 'secrets', errors);
      if (Object.keys(errors).length > 0) return editPage(c, id, form, errors, 422);
      try {
        await services.crmConnectors.patch(id, { ...(form.name?.trim() ? { name: form.name.trim() } : {}), ...(config ? { config } : {}), ...(rules ? { rules } : {}), ...(secrets ? { secrets } : {}) });
      } catch (error) {
        const refused = fieldErrorsOf(error);
        if (!refused) throw error;
        return editPage(c, id, form, byTextarea(refused), 422);
      }
      return c.redirect('/console/crm', 303);
    });
    app.post('/connectors/:id/:action{activate|deactivate}', async (c) => {
      const id = c.req.param('id');
      if (!UUID.test(id)) throw new NotFound('CRM connector', 'connector_not_found');
      const form = await formOf(c);
      if (c.req.param('action') === 'deactivate') {
        await services.crmConnectors.deactivate(id);
        return c.redirect('/console/crm', 303);
      }
      const resendDays = Math.min(30, Math.max(0, Number(form.resend_days) || 0));
      if (confirmed(form)) {
        await services.crmConnectors.activate(id, resendDays);
        return c.redirect('/console/crm', 303);
      }
      const connector = await services.crmConnectors.get(id);
      const since = resendSince(resendDays);
      const window = (state: 'paused' | 'dead') => ({ connector_id: id, state, since });
      const [paused, dead, pausedCount, deadCount] = await Promise.all([
        services.crmDeliveryLog.list(window('paused'), LISTED),
        services.crmDeliveryLog.list(window('dead'), LISTED),
        services.crmDeliveryLog.count(window('paused')),
        services.crmDeliveryLog.count(window('dead')),
      ]);
      const deliveries = [...paused, ...dead].sort((a, b) => b.created_at.localeCompare(a.created_at)).slice(0, LISTED);
      return render(c, `Activate ${connector.name}`, <ActivationConfirmation connector={connector} resendDays={resendDays} since={since} deliveries={deliveries} total={pausedCount + deadCount} />);
    });
    app.post('/deliveries/:id/replay', async (c) => {
      const form = await formOf(c);
      const filter = { state: form.state, connector: form.connector };
      const back = `/console/crm?${new URLSearchParams(Object.entries(filter).filter((e): e is [string, string] => e[1] !== undefined)).toString()}`;
      if (confirmed(form)) {
        await services.crmDeliveryLog.replay(c.req.param('id'));
        return c.redirect(back, 303);
      }
      const delivery = await services.crmDeliveryLog.get(c.req.param('id'));
      const connector = (await services.crmConnectors.list()).find((k) => k.id === delivery.connector_id);
      return render(c, 'Replay a delivery', <ReplayConfirmation delivery={delivery} connectorName={connector?.name} action={`/console/crm/deliveries/${delivery.id}/replay`} fields={filter} back={back} />);
    });
    return app;
  },
};

function CrmPage(props: { connectors: Connector[]; deliveries: Delivery[]; form: Record<string, string>; errors: FieldErrors; filter: { state: string | undefined; connector: string | undefined }; shown: Record<string, unknown> | undefined }) {
  const { connectors, deliveries, form, errors, filter, shown } = props;
  const names = new Map(connectors.map((c) => [c.id, c.name]));
  return (
    <>
      {shown && (
        <section class="card" role="status" aria-labelledby="h-secrets">
          <h2 id="h-secrets">Secrets — shown once</h2>
          <p>Give these to the receiving system now; earshot keeps them encrypted and never shows them again.</p>
          <pre data-testid="secrets">{JSON.stringify(shown, null, 2)}</pre>
        </section>
      )}
      <section class="card" aria-labelledby="h-connectors">
        <h2 id="h-connectors">Connectors</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Kind</th>
              <th scope="col">State</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {connectors.map((c) => (
              <tr>
                <td>
                  <a href={`/console/crm/connectors/${c.id}`}>{c.name}</a>
                </td>
                <td>{c.kind}</td>
                <td data-state={c.state}>
                  {c.state}
                  {c.broken_reason ? ` — ${c.broken_reason}` : ''}
                </td>
                <td>
                  <form method="post" action={`/console/crm/connectors/${c.id}/activate`} class="inline">
                    <Csrf />
                    <label for={`resend-${c.id}`}>Resend days</label>
                    <input id={`resend-${c.id}`} name="resend_days" type="number" min="0" max="30" value="3" />
                    <button type="submit" class="secondary">
                      Activate
                    </button>
                  </form>
                  <ActionButton action={`/console/crm/connectors/${c.id}/deactivate`} label="Deactivate" ariaLabel={`Deactivate ${c.name}`} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <form method="post" action="/console/crm" class="card" aria-labelledby="h-new-connector">
        <h2 id="h-new-connector">New connector</h2>
        <Csrf />
        <FormErrors errors={errors} fields={['name', 'kind', 'config', 'rules', 'secrets']} />
        <TextField name="name" label="Name" value={form.name} required errors={errors} />
        <SelectField name="kind" label="Kind" value={form.kind ?? 'webhook'} options={KINDS.map((k) => ({ value: k, label: k }))} errors={errors} />
        <TextArea name="config" label="Config (JSON)" value={form.config ?? '{"url": "https://crm.example/hooks/earshot"}'} rows={3} errors={errors} hint="webhook: url; bitrix24: portal_url, crm_create; amocrm: base_url; usedesk: ticket_mode, open_statuses, ticket_type, tag; zoho_desk: org_id, department_id, key_field" />
        <TextArea name="rules" label="Rules (JSON)" value={form.rules ?? '{"events": ["call.finished", "call.missed"]}'} rows={5} errors={errors} hint="events, integrations, field_mapping, templates, phone_format, user_map, duty_user, missed_call_task" />
        <TextArea name="secrets" label="Secrets (JSON; empty generates a webhook signing secret)" value={form.secrets} rows={2} errors={errors} />
        <button type="submit">Create connector</button>
      </form>
      <section class="card" aria-labelledby="h-log">
        <h2 id="h-log">Delivery log</h2>
        <form method="get" action="/console/crm" class="filters" aria-label="Filter deliveries">
          <SelectField name="state" label="State" value={filter.state} empty="any" options={STATES.map((s) => ({ value: s, label: s }))} />
          <SelectField name="connector" label="Connector" value={filter.connector} empty="any" options={connectors.map((c) => ({ value: c.id, label: c.name }))} />
          <button type="submit">Filter</button>
        </form>
        <table data-testid="delivery-log">
          <thead>
            <tr>
              <DeliveryHeads />
              <th scope="col">Last error</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {deliveries.map((d) => (
              <tr>
                <DeliveryCells delivery={d} names={names} />
                <td>{d.last_error ?? '—'}</td>
                <td>
                  <ActionButton action={`/console/crm/deliveries/${d.id}/replay`} label="Replay" ariaLabel={`Replay delivery ${d.id}`} fields={{ state: filter.state, connector: filter.connector }} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  );
}


function EditPage({ connector, form, errors }: { connector: Connector; form: Record<string, string>; errors: FieldErrors }) {
  return (
    <form method="post" action={`/console/crm/connectors/${connector.id}`} class="card" aria-labelledby="h-edit-connector">
      <h2 id="h-edit-connector">
        {connector.kind} connector — {connector.state}
        {connector.broken_reason ? ` (${connector.broken_reason})` : ''}
      </h2>
      <Csrf />
      <FormErrors errors={errors} fields={['name', 'config', 'rules', 'secrets']} />
      <TextField name="name" label="Name" value={form.name} required errors={errors} />
      <TextArea name="config" label="Config (JSON)" value={form.config} rows={4} errors={errors} />
      <TextArea name="rules" label="Rules (JSON)" value={form.rules} rows={10} errors={errors} />
      <TextArea name="secrets" label={`Secrets (JSON; set: ${connector.secrets_set.join(', ') || 'none'}; empty keeps them)`} value={form.secrets} rows={2} errors={errors} />
      <button type="submit">Save connector</button>
      <p>
        <a href="/console/crm">Back to CRM</a>
      </p>
    </form>
  );
}
