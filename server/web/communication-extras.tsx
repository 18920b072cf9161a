// What the communication page shows beside the recording and transcript: a chat's messages, the client's
// card, session tags with add/remove forms, and the CRM deliveries with a replay button each; and the
// routes those forms post to.
import { Hono } from 'hono';
import { z } from 'zod';
import { narrowScope, type AccessScope } from '../domain/access-scope.js';
import { DomainError, Forbidden, NotFound } from '../domain/errors.js';
import type { Services } from '../services/index.js';
import { formatTime } from './format.js';
import { TextField } from './fields.js';
import { ActionButton, Csrf } from './layout.js';
import { consoleScope, formOf, roleOf as role, type ConsoleContext, type ConsoleEnv, type Render } from './page.js';
import { confirmed, ReplayConfirmation } from './resend-confirmation.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
type Detail = Awaited<ReturnType<Services['communications']['get']>>;
type Card = Awaited<ReturnType<Services['clients']['card']>>;
const TagForm = z.object({ tag: z.string().trim().min(1, 'name a tag').max(100) });

/** The client's card, or undefined when the communication has no client (or it is gone). */
export async function clientCardOf(services: Services, scope: AccessScope, detail: Detail): Promise<Card | undefined> {
  if (!detail.client) return undefined;
  try {
    // The card of the client of this communication's integration, as far as the viewer's scope reaches.
    return await services.clients.card(narrowScope(scope, detail.integration_id), detail.client.id, 5);
  } catch (error) {
    if (error instanceof NotFound) return undefined;
    throw error;
  }
}

export function Messages({ detail }: { detail: Detail }) {
  if (!('messages' in detail) || !detail.messages) return null;
  return (
    <section class="card" aria-labelledby="h-messages">
      <h2 id="h-messages">Messages{detail.channel ? ` (${detail.channel})` : ''}</h2>
      {detail.messages.length === 0 ? (
        <p>No messages.</p>
      ) : (
        <ol class="messages" data-testid="messages">
          {detail.messages.map((m) => (
            <li class={`author-${m.author}`}>
              <span class="speaker">{m.author}</span> <time datetime={m.sent_at}>{formatTime(m.sent_at)}</time>
              <p>{m.text}</p>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

export function ClientCard({ card }: { card: Card | undefined }) {
  if (!card) return null;
  return (
    <section class="card" aria-labelledby="h-client">
      <h2 id="h-client">Client {card.id}</h2>
      <dl data-testid="client-card">
        <dt>Name</dt>
        <dd>{[card.first_name, card.last_name].filter(Boolean).join(' ') || card.company_name || '—'}</dd>
        <dt>Phones</dt>
        <dd>{card.phones.join(', ') || '—'}</dd>
        <dt>Client tags</dt>
        <dd>{card.tags.length ? card.tags.map((t) => <span class="tag">{t}</span>) : '—'}</dd>
        {card.attributes.map((a) => (
          <>
            <dt>{a.name}</dt>
            <dd>{String(a.value)}</dd>
          </>
        ))}
        {card.linked_clients.length > 0 && (
          <>
            <dt>Same phone as</dt>
            <dd>{card.linked_clients.map((l) => l.id).join(', ')}</dd>
          </>
        )}
      </dl>
      <h3>Recent</h3>
      <ul>
        {card.recent_communications.map((r) => (
          <li>
            <a href={`/console/communications/${r.id}`}>
              {r.kind} {formatTime(r.started_at)}
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function SessionTags({ detail, dictionary, error, editable }: { detail: Detail; dictionary: string[]; error?: string | undefined; editable: boolean }) {
  return (
    <section class="card" aria-labelledby="h-session-tags">
      <h2 id="h-session-tags">Session tags</h2>
      <ul data-testid="session-tags">
        {detail.tags.map((tag) => (
          <li>
            <span class="tag">{tag}</span>
            {editable && <ActionButton action={`/console/communications/${detail.id}/tags/remove`} label="Remove" ariaLabel={`Remove the tag ${tag}`} fields={{ tag }} />}
          </li>
        ))}
      </ul>
      {editable && (
        <form method="post" action={`/console/communications/${detail.id}/tags`}>
          <Csrf />
          <TextField name="tag" label="Add a session tag" errors={error ? { tag: error } : {}} hint={dictionary.length ? `Defined: ${dictionary.join(', ')}` : 'Define session tags first (POST /api/v1/sessions/tags).'} />
          <button type="submit">Add tag</button>
        </form>
      )}
    </section>
  );
}

export function Deliveries({ detail, replayable }: { detail: Detail; replayable: boolean }) {
  return (
    <section class="card" aria-labelledby="h-deliveries">
      <h2 id="h-deliveries">CRM deliveries</h2>
      {detail.deliveries.length === 0 ? (
        <p>None.</p>
      ) : (
        <table data-testid="deliveries">
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">State</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last error</th>
              {replayable && <th scope="col">Action</th>}
            </tr>
          </thead>
          <tbody>
            {detail.deliveries.map((d) => (
              <tr>
                <td>{d.event}</td>
                <td data-state={d.state}>{d.state}</td>
                <td>{d.attempts}</td>
                <td>{d.last_error ?? '—'}</td>
                {replayable && (
                  <td>
                    <ActionButton action={`/console/communications/${detail.id}/deliveries/${d.id}/replay`} label="Replay" ariaLabel={`Replay the ${d.event} delivery`} />
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The form posts of the communication page; each answers with a redirect back to it (a replay first asks to confirm). */
export function communicationActions(services: Services, render: Render) {
  const app = new Hono<ConsoleEnv>();
  const back = (id: string, error?: string) => `/console/communications/${id}${error ? `?tag_error=${encodeURIComponent(error)}` : ''}#h-session-tags`;
  const checkedId = (id: string) => {
    if (!UUID.test(id)) throw new NotFound('communication', 'communication_not_found');
    return id.toLowerCase();
  };
  const tagAction = (attach: boolean) => async (c: ConsoleContext) => {
    const id = checkedId(c.req.param('id') ?? '');
    if (role(c) === 'operator') throw new Forbidden('forbidden', 'Operators cannot change session tags.');
    const parsed = TagForm.safeParse(await formOf(c));
    if (!parsed.success) return c.redirect(back(id, parsed.error.issues[0]!.message), 303);
    try {
      await services.clients.tagCommunication(await consoleScope(c, services), id, parsed.data.tag, attach);
    } catch (error) {
      if (error instanceof DomainError && !(error instanceof NotFound)) return c.redirect(back(id, error.message), 303);
      throw error;
    }
    return c.redirect(back(id), 303);
  };
  app.post('/:id/tags', tagAction(true));
  app.post('/:id/tags/remove', tagAction(false));
  app.post('/:id/deliveries/:delivery/replay', async (c) => {
    const id = checkedId(c.req.param('id'));
    if (role(c) !== 'admin') throw new Forbidden('forbidden', 'Only admins replay CRM deliveries.');
    const back = `/console/communications/${id}#h-deliveries`;
    if (confirmed(await formOf(c))) {
      await services.crmDeliveryLog.replay(c.req.param('delivery'), id);
      return c.redirect(back, 303);
    }
    const delivery = await services.crmDeliveryLog.get(c.req.param('delivery'));
    if (delivery.communication_id !== id) throw new NotFound('CRM delivery', 'delivery_not_found');
    const connector = (await services.crmConnectors.list()).find((k) => k.id === delivery.connector_id);
    return render(c, 'Replay a delivery', <ReplayConfirmation delivery={delivery} connectorName={connector?.name} action={`/console/communications/${id}/deliveries/${delivery.id}/replay`} back={back} />);
  });
  return app;
}
