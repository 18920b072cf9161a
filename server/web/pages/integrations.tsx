// Integrations: the list, a create form, and the one page that shows a new or rotated token (with the
// ingest URL, copy buttons and an example curl filled in) — the token is never shown again.
import { Hono } from 'hono';
import { z } from 'zod';
import { NotFound } from '../../domain/errors.js';
import { isValidTimeZone } from '../../domain/timestamps.js';
import type { IntegrationView } from '../../services/integrations.js';
import { FormErrors, TextField, type FieldErrors } from '../fields.js';
import { formatTime } from '../format.js';
import { ActionButton, Csrf } from '../layout.js';
import { blankToUndefined, formOf, zodErrors, type ConsoleContext, type ConsoleEnv, type ConsolePage, type Render } from '../page.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const CreateForm = z.object({
  name: z.string().trim().min(1, 'required').max(255),
  default_timezone: z.string().max(64).refine(isValidTimeZone, 'an IANA time zone such as Europe/Moscow').optional(),
});

export const integrationsPage: ConsolePage = {
  path: '/integrations',
  label: 'nav.integrations',
  routes: ({ services, render }) => {
    const app = new Hono<ConsoleEnv>();
    const list = async (c: ConsoleContext, form: Record<string, string>, errors: FieldErrors, status: 200 | 422 = 200) =>
      render(c, 'Integrations', <ListPage integrations={await services.integrations.list()} form={form} errors={errors} />, status);

    app.get('/', (c) => list(c, {}, {}));
    app.post('/', async (c) => {
      const form = await formOf(c);
      const parsed = CreateForm.safeParse({ name: form.name, default_timezone: blankToUndefined(form.default_timezone) });
      if (!parsed.success) return list(c, form, zodErrors(parsed.error.issues), 422);
      return tokenPage(c, render, await services.integrations.create(parsed.data), 'created', 201);
    });
    app.post('/:id/rotate', async (c) => {
      const id = c.req.param('id');
      if (!UUID.test(id)) throw new NotFound('integration', 'integration_not_found');
      const rotated = await services.integrations.rotateToken(id);
      await c.var.audit.record('integration.token_rotated', { type: 'integration', id });
      return tokenPage(c, render, rotated, 'rotated', 200);
    });
    return app;
  },
};

function tokenPage(c: ConsoleContext, render: Render, integration: IntegrationView & { token: string }, what: 'created' | 'rotated', status: 200 | 201) {
  const curl = [
    `curl -X POST '${integration.phone_calls_url}' \\`,
    `  -H 'Authorization: ${integration.token}' \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -d '{"operator_id": "operator@example.com", "started_at": "2024-03-01T10:00:00+03:00", "uid": "call-1", "direction": "incoming", "duration": 60, "client_phone_number": "+74950000000", "media_url": "https://pbx.example/records/call-1.wav"}'`,
  ].join('\n');
  return render(
    c,
    `Integration “${integration.name}” ${what}`,
    <>
      <p class="notice" role="status">
        Copy the token now: it is stored hashed and shown only on this page. {what === 'rotated' ? 'The previous token no longer works.' : ''}
      </p>
      <section class="card">
        <h2>Phone calls URL</h2>
        <p>
          <span class="secret" id="calls-url">
            {integration.phone_calls_url}
          </span>{' '}
          <CopyButton target="calls-url" label="Copy URL" />
        </p>
        <h2>Chats URL</h2>
        <p>
          <span class="secret" id="chats-url">
            {integration.chats_url}
          </span>{' '}
          <CopyButton target="chats-url" label="Copy chats URL" />
        </p>
        <h2>Token</h2>
        <p>
          <span class="secret" id="token" data-testid="token">
            {integration.token}
          </span>{' '}
          <CopyButton target="token" label="Copy token" />
        </p>
        <h2>Try it</h2>
        <pre id="curl">{curl}</pre>
        <CopyButton target="curl" label="Copy curl" />
      </section>
      <p>
        <a href="/console/integrations">← All integrations</a>
      </p>
    </>,
    status,
  );
}

/** Hidden until the page script enables it (copying needs script); the text stays selectable without it. */
function CopyButton({ target, label }: { target: string; label: string }) {
  return (
    <>
      <button type="button" class="secondary" data-copy={target} hidden>
        {label}
      </button>
      <span id={`${target}-copied`} role="status" class="hint"></span>
    </>
  );
}

function ListPage({ integrations, form, errors }: { integrations: IntegrationView[]; form: Record<string, string>; errors: FieldErrors }) {
  return (
    <>
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Phone calls URL</th>
            <th scope="col">Default time zone</th>
            <th scope="col">Active</th>
            <th scope="col">Created</th>
            <th scope="col">Token</th>
          </tr>
        </thead>
        <tbody>
          {integrations.map((i) => (
            <tr>
              <th scope="row">{i.name}</th>
              <td>
                <code>{i.phone_calls_url}</code>
              </td>
              <td>{i.default_timezone ?? '—'}</td>
              <td>{i.active ? 'yes' : 'no'}</td>
              <td>
                <time datetime={i.created_at}>{formatTime(i.created_at)}</time>
              </td>
              <td>
                <ActionButton action={`/console/integrations/${i.id}/rotate`} label="Rotate" ariaLabel={`Rotate the token of ${i.name}`} confirm={`Rotate the token of “${i.name}”? The PBX must be given the new one.`} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form method="post" action="/console/integrations" class="card" aria-labelledby="h-new">
        <h2 id="h-new">New integration</h2>
        <Csrf />
        <FormErrors errors={errors} fields={['name', 'default_timezone']} />
        <TextField name="name" label="Name" value={form.name} required errors={errors} hint="The PBX or chat platform, e.g. “Office Asterisk”." />
        <TextField
          name="default_timezone"
          label="Default time zone"
          value={form.default_timezone}
          placeholder="Europe/Moscow"
          errors={errors}
          hint="Used for started_at values sent without a zone; leave empty to refuse them."
        />
        <button type="submit">Create integration</button>
      </form>
    </>
  );
}
