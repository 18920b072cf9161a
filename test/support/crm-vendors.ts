// Local stand-ins for Bitrix24 telephony REST and amoCRM API v4, following their documented endpoints,
// payloads and error answers (INTEGRATIONS.md §3.1–3.2), with state and scriptable faults.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Fault {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

interface Base {
  url: string;
  token: string;
  /** Answers for the next requests, in order, instead of the normal ones ('pass': answer normally). */
  faults: Array<Fault | 'pass'>;
  requests: Array<{ method: string; path: string; body: unknown }>;
  close(): Promise<void>;
}

const digits = (phone: string) => phone.replace(/\D/g, '').slice(-10);

async function serve(handle: (req: IncomingMessage, body: unknown, send: (status: number, body?: unknown, headers?: Record<string, string>) => void) => void, base: Omit<Base, 'url' | 'close'>) {
  const server = createServer((req, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = text ? (JSON.parse(text) as unknown) : undefined;
      base.requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', body });
      const send = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(payload === undefined ? '' : JSON.stringify(payload));
      };
      const fault = base.faults.shift();
      if (fault && fault !== 'pass') return send(fault.status, fault.body, fault.headers);
      handle(req, body, send);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => (server.close(() => resolve()), server.closeAllConnections())) };
}

export interface Bitrix24StandIn extends Base {
  calls: Map<string, { externalId: string; params: Record<string, unknown>; finish?: Record<string, unknown>; records: string[]; activityId?: number }>;
}

export async function startBitrix24(token: string): Promise<Bitrix24StandIn> {
  const state = { token, faults: [] as Base['faults'], requests: [] as Base['requests'], calls: new Map() as Bitrix24StandIn['calls'] };
  const byExternal = new Map<string, string>();
  let seq = 0;
  const { url, close } = await serve((req, raw, send) => {
    const body = (raw ?? {}) as Record<string, unknown>;
    if (body.auth !== state.token) return send(401, { error: 'expired_token', error_description: 'The access token provided has expired.' });
    const method = /^\/rest\/([\w.]+)\.json$/.exec(req.url ?? '')?.[1]?.toLowerCase();
    if (method === 'telephony.externalcall.register') {
      if (!body.PHONE_NUMBER || !(body.USER_ID || body.USER_PHONE_INNER) || !body.TYPE) return send(400, { error: 'ERROR_ARGUMENT', error_description: 'PHONE_NUMBER, USER_ID and TYPE are required' });
      // The same EXTERNAL_CALL_ID again (within 30 minutes) gives the same CALL_ID.
      const known = byExternal.get(String(body.EXTERNAL_CALL_ID));
      const callId = known ?? `externalCall.${++seq}`;
      if (!known) {
        byExternal.set(String(body.EXTERNAL_CALL_ID), callId);
        state.calls.set(callId, { externalId: String(body.EXTERNAL_CALL_ID), params: body, records: [] });
      }
      return send(200, { result: { CALL_ID: callId, CRM_CREATED_LEAD: body.CRM_CREATE ? 1 : null, CRM_ENTITY_TYPE: 'LEAD', CRM_ENTITY_ID: 1 } });
    }
    const call = state.calls.get(String(body.CALL_ID));
    if (!call) return send(400, { error: 'ERROR_NOT_FOUND', error_description: 'Call is not found' });
    if (method === 'telephony.externalcall.finish') {
      call.finish = body;
      call.activityId ??= ++seq;
      return send(200, { result: { CRM_ACTIVITY_ID: call.activityId } });
    }
    if (method === 'telephony.externalcall.attachrecord') {
      if (!/\.(mp3|wav)$/.test(String(body.FILENAME))) return send(400, { error: 'ERROR_ARGUMENT', error_description: 'FILENAME must end in .mp3 or .wav' });
      call.records = [String(body.RECORD_URL)]; // a later call replaces the recording
      return send(200, { result: { FILE_ID: ++seq } });
    }
    return send(404, { error: 'ERROR_METHOD_NOT_FOUND', error_description: 'Method not found!' });
  }, state);
  return Object.assign(state, { url, close });
}

export interface AmoCrmStandIn extends Base {
  contacts: Array<{ id: number; name: string; phones: string[]; responsible_user_id?: number }>;
  calls: Map<string, Record<string, unknown>>;
}

export async function startAmoCrm(token: string): Promise<AmoCrmStandIn> {
  const state = { token, faults: [] as Base['faults'], requests: [] as Base['requests'], contacts: [] as AmoCrmStandIn['contacts'], calls: new Map<string, Record<string, unknown>>() };
  let seq = 100;
  const { url, close } = await serve((req, raw, send) => {
    if (req.headers.authorization !== `Bearer ${state.token}`) return send(401, { title: 'Unauthorized', type: 'https://httpstatus.es/401', status: 401, detail: 'Unauthorized' });
    const path = new URL(req.url ?? '/', 'http://amo');
    if (req.method === 'GET' && path.pathname === '/api/v4/contacts') {
      const query = digits(path.searchParams.get('query') ?? '');
      const found = state.contacts.filter((c) => c.phones.some((p) => digits(p) === query));
      return found.length === 0 ? send(204) : send(200, { _embedded: { contacts: found.map((c) => ({ id: c.id, name: c.name })) } });
    }
    if (req.method === 'POST' && path.pathname === '/api/v4/contacts') {
      const created = (raw as Array<{ name: string; responsible_user_id?: number; custom_fields_values?: Array<{ field_code: string; values: Array<{ value: string }> }> }>).map((c) => {
        const contact = { id: ++seq, name: c.name, phones: (c.custom_fields_values ?? []).filter((f) => f.field_code === 'PHONE').flatMap((f) => f.values.map((v) => v.value)), ...(c.responsible_user_id ? { responsible_user_id: c.responsible_user_id } : {}) };
        state.contacts.push(contact);
        return { id: contact.id };
      });
      return send(200, { _embedded: { contacts: created } });
    }
    if (req.method === 'POST' && path.pathname === '/api/v4/calls') {
      const calls = raw as Array<Record<string, unknown>>;
      const missing = calls.findIndex((c) => !c.direction || c.duration === undefined || !c.source || !c.phone);
      if (missing >= 0) return send(400, { title: 'Bad Request', status: 400, 'validation-errors': [{ request_id: String(missing), errors: [{ code: 'NotSupportedChoice', path: 'direction' }] }] });
      const added = calls.flatMap((c) => {
        // No entity with the phone: amoCRM does not add the call.
        if (!state.contacts.some((k) => k.phones.some((p) => digits(p) === digits(String(c.phone))))) return [];
        state.calls.set(String(c.uniq ?? ++seq), c);
        return [{ id: ++seq, entity_type: 'contacts' }];
      });
      return send(200, { _embedded: { calls: added } });
    }
    return send(404, { title: 'Not Found', status: 404 });
  }, state);
  return Object.assign(state, { url, close });
}

export interface UsedeskStandIn extends Base {
  clients: Array<{ id: number; name: string; phone: string }>;
  tickets: Array<{ id: number; client_id: number; status_id: number; subject: string; type: string; tag?: string; assignee_id?: number; additional_id?: string; comments: string[] }>;
}

/** Usedesk: POST everywhere, api_token in the body; a bad token answers {"status":"error","message":"Wrong api_token"}. */
export async function startUsedesk(token: string): Promise<UsedeskStandIn> {
  const state = { token, faults: [] as Base['faults'], requests: [] as Base['requests'], clients: [] as UsedeskStandIn['clients'], tickets: [] as UsedeskStandIn['tickets'] };
  let seq = 500;
  const { url, close } = await serve((req, raw, send) => {
    const body = (raw ?? {}) as Record<string, any>;
    if (body.api_token !== state.token) return send(401, { status: 'error', message: 'Wrong api_token' });
    switch (req.url) {
      case '/clients':
        return send(200, state.clients.filter((c) => digits(c.phone).includes(String(body.query))).map((c) => ({ id: c.id, name: c.name, phone: c.phone })));
      case '/create/client': {
        if (!/^\d{10,15}$/.test(String(body.phone))) return send(400, { status: 'error', message: 'phone: 10-15 digits' });
        const client = { id: ++seq, name: String(body.name), phone: String(body.phone) };
        state.clients.push(client);
        return send(200, { status: 'success', client_id: client.id });
      }
      case '/tickets': {
        const statuses = String(body.fstatus ?? '').split(',').map(Number);
        const clientIds = new Set(state.clients.filter((c) => digits(c.phone).includes(String(body.query))).map((c) => c.id));
        return send(200, state.tickets.filter((t) => clientIds.has(t.client_id) && statuses.includes(t.status_id)).map((t) => ({ id: t.id, client_id: t.client_id, status_id: t.status_id, subject: t.subject, last_comment: t.comments.at(-1) ?? null })));
      }
      case '/create/ticket': {
        if (!body.subject || !body.message) return send(400, { status: 'error', message: 'subject and message are required' });
        let clientId = body.client_id as number | string;
        if (clientId === 'new_client') {
          clientId = ++seq;
          state.clients.push({ id: clientId, name: String(body.client_phone), phone: String(body.client_phone) });
        }
        const ticket = { id: ++seq, client_id: Number(clientId), status_id: 8, subject: String(body.subject), type: String(body.type), comments: [String(body.message)], ...(body.tag ? { tag: String(body.tag) } : {}), ...(body.assignee_id ? { assignee_id: Number(body.assignee_id) } : {}), ...(body.additional_id ? { additional_id: String(body.additional_id) } : {}) };
        state.tickets.push(ticket);
        return send(200, { status: 'success', ticket_id: ticket.id });
      }
      case '/create/comment': {
        const ticket = state.tickets.find((t) => t.id === Number(body.ticket_id));
        if (!ticket) return send(404, { status: 'error', message: 'Ticket not found' });
        ticket.comments.push(String(body.message));
        return send(200, { status: 'success', comment_id: ++seq });
      }
      default:
        return send(404, { status: 'error', message: 'Not found' });
    }
  }, state);
  return Object.assign(state, { url: `${url}/`, close });
}

export interface ZohoDeskStandIn extends Base {
  /** The next ticket is created but its answer is a 502 (the gateway lost it). */
  loseNextTicketAnswer: boolean;
  contacts: Array<{ id: string; lastName: string; phone: string }>;
  tickets: Array<{ id: string; subject: string; contactId: string; departmentId: string; assigneeId?: string; dueDate?: string; cf: Record<string, string> }>;
}

/** Zoho Desk: Zoho-oauthtoken + orgId headers; 401 {"errorCode":"INVALID_OAUTH"}; search answers 204 when nothing matches. */
export async function startZohoDesk(token: string, orgId: string): Promise<ZohoDeskStandIn> {
  const state = { token, loseNextTicketAnswer: false, faults: [] as Base['faults'], requests: [] as Base['requests'], contacts: [] as ZohoDeskStandIn['contacts'], tickets: [] as ZohoDeskStandIn['tickets'] };
  let seq = 9000;
  const { url, close } = await serve((req, raw, send) => {
    if (req.headers.authorization !== `Zoho-oauthtoken ${state.token}`) return send(401, { errorCode: 'INVALID_OAUTH', message: 'The OAuth Token you provided is invalid.' });
    if (req.headers.orgid !== orgId) return send(400, { errorCode: 'INVALID_DATA', message: 'orgId is invalid' });
    const path = new URL(req.url ?? '/', 'http://zoho');
    if (req.method === 'GET' && path.pathname === '/api/v1/contacts/search') {
      const wanted = digits(path.searchParams.get('phone') ?? '');
      const found = state.contacts.filter((c) => digits(c.phone) === wanted);
      return found.length ? send(200, { data: found, count: found.length }) : send(204);
    }
    if (req.method === 'GET' && path.pathname === '/api/v1/tickets/search') {
      const filter = path.searchParams.get('customField1') ?? '';
      const colon = filter.indexOf(':'); // apiName:value, the value may hold colons itself
      const found = state.tickets.filter((t) => t.cf[filter.slice(0, colon)] === filter.slice(colon + 1));
      return found.length ? send(200, { data: found, count: found.length }) : send(204);
    }
    const body = (raw ?? {}) as Record<string, any>;
    if (req.method === 'POST' && path.pathname === '/api/v1/contacts') {
      if (!body.lastName) return send(422, { errorCode: 'INVALID_DATA', message: 'lastName is required' });
      const contact = { id: String(++seq), lastName: String(body.lastName), phone: String(body.phone ?? '') };
      state.contacts.push(contact);
      return send(200, contact);
    }
    if (req.method === 'POST' && path.pathname === '/api/v1/tickets') {
      if (!body.subject || !body.departmentId || !(body.contactId || body.contact)) return send(422, { errorCode: 'INVALID_DATA', message: 'subject, departmentId and contactId are required' });
      const ticket = { id: String(++seq), subject: String(body.subject), contactId: String(body.contactId), departmentId: String(body.departmentId), cf: (body.cf ?? {}) as Record<string, string>, ...(body.assigneeId ? { assigneeId: String(body.assigneeId) } : {}), ...(body.dueDate ? { dueDate: String(body.dueDate) } : {}) };
      state.tickets.push(ticket);
      if (state.loseNextTicketAnswer) {
        state.loseNextTicketAnswer = false;
        return send(502, { errorCode: 'BAD_GATEWAY' });
      }
      return send(200, ticket);
    }
    return send(404, { errorCode: 'URL_NOT_FOUND' });
  }, state);
  return Object.assign(state, { url, close });
}
