// Audit log (admins): the entries newest first with the API's filters, a next-page link, and the filtered
// log as a CSV download (itself logged as export.downloaded).
import { Hono } from 'hono';
import { AUDIT_ACTIONS } from '../../domain/audit-chain.js';
import type { AuditEntryView } from '../../services/audit-log.js';
import { auditFilterOf, AuditListQuery } from '../../services/audit-query.js';
import { FormErrors, SelectField, TextField, type FieldErrors } from '../fields.js';
import { formatTime } from '../format.js';
import { zodErrors, type ConsoleEnv, type ConsolePage } from '../page.js';

const PAGE_SIZE = 100;
const FILTERS = ['actor', 'action', 'target_type', 'target_id', 'from', 'to'] as const;

export const auditLogPage: ConsolePage = {
  path: '/audit-log',
  label: 'nav.audit_log',
  routes: ({ services, render }) => {
    const app = new Hono<ConsoleEnv>();
    app.get('/', async (c) => {
      const query = filledIn(c.req.query());
      const parsed = AuditListQuery.safeParse({ ...query, limit: PAGE_SIZE });
      if (!parsed.success) return render(c, 'Audit log', <AuditLogPage query={query} errors={zodErrors(parsed.error.issues)} />, 422);
      const page = await services.auditLog.list({ ...auditFilterOf(parsed.data), cursor: parsed.data.cursor, limit: PAGE_SIZE });
      return render(c, 'Audit log', <AuditLogPage query={query} errors={{}} items={page.items} nextCursor={page.next_cursor} />);
    });
    app.get('/export.csv', async (c) => {
      const parsed = AuditListQuery.omit({ cursor: true, limit: true }).safeParse(filledIn(c.req.query()));
      if (!parsed.success) return render(c, 'Audit log', <AuditLogPage query={filledIn(c.req.query())} errors={zodErrors(parsed.error.issues)} />, 422);
      await c.var.audit.record('export.downloaded', { type: 'audit_log', id: 'csv' }, { filter: parsed.data });
      return c.body(services.auditLog.csv(auditFilterOf(parsed.data)), 200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="audit_log.csv"' });
    });
    return app;
  },
};

/** The query's filters that were filled in (a submitted form sends empty fields too). */
function filledIn(query: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of [...FILTERS, 'cursor'] as const) {
    const value = Object.hasOwn(query, name) ? query[name]?.trim() : undefined;
    if (value) out[name] = value;
  }
  return out;
}

function AuditLogPage(props: { query: Record<string, string>; errors: FieldErrors; items?: AuditEntryView[]; nextCursor?: string | null }) {
  const { query, errors, items, nextCursor } = props;
  const filters = Object.fromEntries(Object.entries(query).filter(([name]) => name !== 'cursor'));
  const csv = `/console/audit-log/export.csv?${new URLSearchParams(filters).toString()}`;
  return (
    <>
      <form method="get" action="/console/audit-log" class="card" aria-labelledby="h-audit-filters">
        <h2 id="h-audit-filters">Filters</h2>
        <FormErrors errors={errors} fields={[...FILTERS]} />
        <TextField name="actor" label="Actor (user id or email, integration id, admin_token)" value={query.actor} errors={errors} />
        <SelectField name="action" label="Action" value={query.action} empty="any" options={AUDIT_ACTIONS.map((a) => ({ value: a, label: a }))} errors={errors} />
        <TextField name="target_type" label="Target type" value={query.target_type} errors={errors} />
        <TextField name="target_id" label="Target id" value={query.target_id} errors={errors} />
        <TextField name="from" label="From (ISO 8601, e.g. 2026-01-31T00:00:00Z)" value={query.from} errors={errors} />
        <TextField name="to" label="To (ISO 8601)" value={query.to} errors={errors} />
        <button type="submit">Show</button> <a href={csv}>Download CSV</a>
      </form>
      {items && (
        <section class="card" aria-labelledby="h-audit-entries">
          <h2 id="h-audit-entries">Entries</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">At</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Address</th>
                <th scope="col">User agent</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {items.map((e) => (
                <tr>
                  <td>
                    <time datetime={e.at}>{formatTime(e.at)}</time>
                  </td>
                  <td>{`${e.actor.type}${e.actor.email ? ` ${e.actor.email}` : e.actor.id ? ` ${e.actor.id}` : ''}`}</td>
                  <td>{e.action}</td>
                  <td>{e.target ? `${e.target.type} ${e.target.id}` : '—'}</td>
                  <td>{e.ip}</td>
                  <td>{e.user_agent}</td>
                  <td>
                    <code>{JSON.stringify(e.details)}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {items.length === 0 && <p>No entries match.</p>}
          {nextCursor && <a href={`/console/audit-log?${new URLSearchParams({ ...filters, cursor: nextCursor }).toString()}`}>Older entries</a>}
        </section>
      )}
    </>
  );
}
