// The confirmation step before the console sends CRM work again (a replay, an activation that resends):
// the first POST shows what would go out, and only a POST carrying confirm=1 (with the CSRF token) does it.
import type { Services } from '../services/index.js';
import { formatTime } from './format.js';
import { Csrf } from './layout.js';

type Delivery = Awaited<ReturnType<Services['crmDeliveryLog']['list']>>[number];
type DeliveryDetail = Awaited<ReturnType<Services['crmDeliveryLog']['get']>>;
type Connector = Awaited<ReturnType<Services['crmConnectors']['get']>>;

export const CONFIRM_FIELD = 'confirm';
/** True for the POST of the confirmation form itself. */
export const confirmed = (form: Record<string, string>) => form[CONFIRM_FIELD] === '1';

function ConfirmForm(props: { action: string; fields: Record<string, string | undefined>; label: string; back: string }) {
  return (
    <form method="post" action={props.action} class="card">
      <Csrf />
      <input type="hidden" name={CONFIRM_FIELD} value="1" />
      {Object.entries(props.fields).map(([name, value]) => (value === undefined ? null : <input type="hidden" name={name} value={value} />))}
      <button type="submit">{props.label}</button> <a href={props.back}>Cancel</a>
    </form>
  );
}

function DeliveryTable({ deliveries, names }: { deliveries: Delivery[]; names: ReadonlyMap<string, string> }) {
  return (
    <table data-testid="resend-list">
      <thead>
        <tr>
          <DeliveryHeads />
          <th scope="col">Delivered</th>
        </tr>
      </thead>
      <tbody>
        {deliveries.map((d) => (
          <tr>
            <DeliveryCells delivery={d} names={names} />
            <td>{d.delivered_at ? <time datetime={d.delivered_at}>{formatTime(d.delivered_at)}</time> : '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Replaying one delivery: says so plainly when the CRM already has it. */
export function ReplayConfirmation(props: { delivery: DeliveryDetail; connectorName: string | undefined; action: string; fields?: Record<string, string | undefined>; back: string }) {
  const delivery: Delivery = { ...props.delivery, attempts: props.delivery.attempts.length };
  const names = new Map(props.connectorName ? [[delivery.connector_id, props.connectorName]] : []);
  return (
    <>
      <section class="card" aria-labelledby="h-confirm">
        <h2 id="h-confirm">Replay this delivery?</h2>
        <p data-testid="confirm-warning">
          {delivery.state === 'delivered'
            ? `It was delivered ${delivery.delivered_at ? formatTime(delivery.delivered_at) : ''}: the CRM receives the ${delivery.event} event again, with a fresh retry budget.`
            : `The ${delivery.event} event is sent again, with a fresh retry budget.`}
        </p>
        <DeliveryTable deliveries={[delivery]} names={names} />
      </section>
      <ConfirmForm action={props.action} fields={props.fields ?? {}} label="Replay" back={props.back} />
    </>
  );
}

/** Activating a connector: the paused and dead deliveries of the resend window go out again. */
export function ActivationConfirmation(props: { connector: Connector; resendDays: number; since: Date; deliveries: Delivery[]; total: number }) {
  const { connector, deliveries, total } = props;
  const names = new Map([[connector.id, connector.name]]);
  return (
    <>
      <section class="card" aria-labelledby="h-confirm">
        <h2 id="h-confirm">Activate {connector.name}?</h2>
        <p data-testid="confirm-warning">
          {total === 0
            ? `Nothing is resent: no paused or dead-lettered delivery since ${formatTime(props.since.toISOString())}.`
            : `${total} paused or dead-lettered ${total === 1 ? 'delivery' : 'deliveries'} since ${formatTime(props.since.toISOString())} will be sent to the CRM again${total > deliveries.length ? ` (the newest ${deliveries.length} are listed)` : ''}.`}
        </p>
        {deliveries.length > 0 && <DeliveryTable deliveries={deliveries} names={names} />}
      </section>
      <ConfirmForm action={`/console/crm/connectors/${connector.id}/activate`} fields={{ resend_days: String(props.resendDays) }} label={total === 0 ? 'Activate' : `Activate and resend ${total}`} back="/console/crm" />
    </>
  );
}

/** The headings of DeliveryCells' columns. */
export function DeliveryHeads() {
  return (
    <>
      <th scope="col">Created</th>
      <th scope="col">Connector</th>
      <th scope="col">Event</th>
      <th scope="col">State</th>
      <th scope="col">Attempts</th>
    </>
  );
}

/** A delivery's common cells in the console's delivery tables: when, connector, event (linking its communication), state, attempts. */
export function DeliveryCells({ delivery: d, names }: { delivery: Pick<Delivery, 'created_at' | 'connector_id' | 'communication_id' | 'event' | 'state' | 'attempts'>; names: ReadonlyMap<string, string> }) {
  return (
    <>
      <td>
        <time datetime={d.created_at}>{formatTime(d.created_at)}</time>
      </td>
      <td>{names.get(d.connector_id) ?? d.connector_id}</td>
      <td>
        <a href={`/console/communications/${d.communication_id}`}>{d.event}</a>
      </td>
      <td data-state={d.state}>{d.state}</td>
      <td>{d.attempts}</td>
    </>
  );
}
