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

/**
 * A vendor's OAuth app: the access token in use (`token`) expires on `expire()`; the token endpoint trades
 * the refresh token for a new access token (and a new refresh token where the vendor rotates it) and
 * counts the grants.
 */
export interface OAuthApp {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /** Successful grants so far. */
  grants: number;
  /** The access token in use stops working, as at the end of its lifetime. */
  expire(): void;
}

function oauthApp(state: { token: string }, rotate: boolean): OAuthApp & { grant(clientId: unknown, clientSecret: unknown, refreshToken: unknown): { access_token: string; refresh_token?: string } | undefined } {
  let seq = 0;
  const app = {
    clientId: 'app.client-id',
    clientSecret: 'app-client-secret-0001',
    refreshToken: 'refresh-token-0000000001',
    grants: 0,
    expire: () => {
      state.token = `expired-${state.token}`;
    },
    grant(clientId: unknown, clientSecret: unknown, refreshToken: unknown) {
      if (clientId !== app.clientId || clientSecret !== app.clientSecret || refreshToken !== app.refreshToken) return undefined;
      app.grants++;
      state.token = `granted-access-token-${++seq}`;
      if (rotate) app.refreshToken = `granted-refresh-token-${seq}`;
      return { access_token: state.token, ...(rotate ? { refresh_token: app.refreshToken } : {}) };
    },
  };
  return app;
}

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
  tasks: Array<Record<string, unknown>>;
  oauth: OAuthApp;
}

/** Bitrix24 REST plus its OAuth server (GET /oauth/token/?grant_type=refresh_token…, as oauth.bitrix.info; refresh tokens rotate). */
export async function startBitrix24(token: string): Promise<Bitrix24StandIn> {
  const state = { token, faults: [] as Base['faults'], requests: [] as Base['requests'], calls: new Map() as Bitrix24StandIn['calls'], tasks: [] as Array<Record<string, unknown>> };
  const oauth = oauthApp(state, true);
  const byExternal = new Map<string, string>();
  let seq = 0;
  const { url, close } = await serve((req, raw, send) => {
    const path = new URL(req.url ?? '/', 'http://b24');
    if (path.pathname === '/oauth/token/') {
      const q = path.searchParams;
      if (q.get('grant_type') !== 'refresh_token') return send(400, { error: 'unsupported_grant_type', error_description: 'Unsupported grant type' });
      const granted = oauth.grant(q.get('client_id'), q.get('client_secret'), q.get('refresh_token'));
      if (!granted) return send(400, { error: 'invalid_grant', error_description: 'Invalid refresh token' });
      return send(200, { ...granted, expires_in: 3600, scope: 'telephony,task', domain: 'portal.bitrix24.ru', status: 'L' });
    }
    const body = (raw ?? {}) as Record<string, unknown>;
    if (body.auth !== state.token) return send(401, { error: 'expired_token', error_description: 'The access token provided has expired.' });
    const method = /^\/rest\/([\w.]+)\.json$/.exec(req.url ?? '')?.[1]?.toLowerCase();
    if (method === 'tasks.task.add') {
      const fields = (body.fields ?? {}) as Record<string, unknown>;
      if (!fields.TITLE || !fields.RESPONSIBLE_ID) return send(400, { error: 'ERROR_CORE', error_description: 'TITLE and RESPONSIBLE_ID are required' });
      const task = { id: String(++seq), ...fields };
      state.tasks.push(task);
      return send(200, { result: { task: { id: task.id, title: fields.TITLE } } });
    }
    if (method === 'tasks.task.complete') {
      // Marks the task completed (STATUS 5); an unknown task id is an error.
      const task = state.tasks.find((t) => t.id === String(body.taskId));
      if (!task) return send(400, { error: 'ERROR_CORE', error_description: 'Task not found' });
      task.STATUS = '5';
      return send(200, { result: { task: { id: task.id, status: '5' } } });
    }
    if (method === 'telephony.externalcall.register') {
      if (!body.PHONE_NUMBER || !(body.USER_ID || body.USER_PHONE_INNER) || !body.TYPE) return send(400, { error: 'ERROR_ARGUMENT', error_description: 'PHONE_NUMBER, USER_ID and TYPE are required' });
      // The same EXTERNAL_CALL_ID again (within 30 minutes) gives the same CALL_ID while that call is not
      // finished; a finished call is closed, so a register after it makes a second call in the CRM.
      const previous = byExternal.get(String(body.EXTERNAL_CALL_ID));
      const known = previous && !state.calls.get(previous)?.finish ? previous : undefined;
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
  return Object.assign(state, { url, close, oauth });
}

export interface AmoCrmStandIn extends Base {
  contacts: Array<{ id: number; name: string; phones: string[]; responsible_user_id?: number }>;
  calls: Map<string, Record<string, unknown>>;
  tasks: Array<Record<string, unknown>>;
  oauth: OAuthApp & { redirectUri: string };
}

/** amoCRM API v4 plus POST /oauth2/access_token (refresh tokens rotate; the redirect_uri must match the app's). */
export async function startAmoCrm(token: string): Promise<AmoCrmStandIn> {
  const state = { token, faults: [] as Base['faults'], requests: [] as Base['requests'], contacts: [] as AmoCrmStandIn['contacts'], calls: new Map<string, Record<string, unknown>>(), tasks: [] as Array<Record<string, unknown>> };
  const oauth = Object.assign(oauthApp(state, true), { redirectUri: 'https://earshot.example/oauth/amocrm' });
  let seq = 100;
  const { url, close } = await serve((req, raw, send) => {
    if (req.method === 'POST' && req.url === '/oauth2/access_token') {
      const body = (raw ?? {}) as Record<string, unknown>;
      const granted = body.grant_type === 'refresh_token' && body.redirect_uri === oauth.redirectUri ? oauth.grant(body.client_id, body.client_secret, body.refresh_token) : undefined;
      if (!granted) return send(400, { hint: 'Token has been revoked', title: 'Некорректный запрос', type: 'https://developers.amocrm.ru/v3/errors/OAuthProblemJson', status: 400, detail: 'В запросе отсутствует ряд параметров или параметры невалидны' });
      return send(200, { token_type: 'Bearer', expires_in: 86400, ...granted });
    }
    if (req.headers.authorization !== `Bearer ${state.token}`) return send(401, { title: 'Unauthorized', type: 'https://httpstatus.es/401', status: 401, detail: 'Unauthorized' });
    const path = new URL(req.url ?? '/', 'http://amo');
    if (req.method === 'POST' && path.pathname === '/api/v4/tasks') {
      const tasks = raw as Array<Record<string, unknown>>;
      if (tasks.some((t) => !t.text || typeof t.complete_till !== 'number')) return send(400, { title: 'Bad Request', status: 400, 'validation-errors': [{ request_id: '0', errors: [{ code: 'NotNull', path: 'text' }] }] });
      const added = tasks.map((t) => {
        const task = { id: ++seq, ...t };
        state.tasks.push(task);
        return { id: task.id, request_id: '0' };
      });
      return send(200, { _embedded: { tasks: added } });
    }
    if (req.method === 'PATCH' && path.pathname === '/api/v4/tasks') {
      // Batch edit: each item names a task by id; completing one takes is_completed and a result text.
      const edits = raw as Array<Record<string, unknown>>;
      const unknown = edits.findIndex((e) => !state.tasks.some((t) => t.id === e.id));
      if (unknown >= 0) return send(400, { title: 'Bad Request', status: 400, 'validation-errors': [{ request_id: String(unknown), errors: [{ code: 'NotFound', path: 'id' }] }] });
      for (const e of edits) Object.assign(state.tasks.find((t) => t.id === e.id)!, e);
      return send(200, { _embedded: { tasks: edits.map((e) => ({ id: e.id, request_id: '0' })) } });
    }
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
  return Object.assign(state, { url, close, oauth });
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
        return send(200, state.tickets.filter((t) => clientIds.has(t.client_id) && statuses.includes(t.status_id)).map((t) => ({ id: t.id, client_id: t.client_id, status_id: t.status_id, subject: t.subject, assignee_id: t.assignee_id ?? null, last_comment: t.comments.at(-1) ?? null })));
      }
      case '/update/ticket': {
        const ticket = state.tickets.find((t) => t.id === Number(body.ticket_id));
        if (!ticket) return send(404, { status: 'error', message: 'Ticket not found' });
        if (body.assignee_id !== undefined) ticket.assignee_id = Number(body.assignee_id);
        return send(200, { status: 'success', ticket_id: ticket.id });
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
  contacts: Array<{ id: string; lastName: string; phone: string; cf?: Record<string, string>; [field: string]: unknown }>;
  tickets: Array<{ id: string; subject: string; contactId: string; departmentId: string; assigneeId?: string; dueDate?: string; cf: Record<string, string>; [field: string]: unknown }>;
  tasks: Array<Record<string, unknown>>;
  /** Zoho Accounts (served here too): POST /oauth/v2/token?grant_type=refresh_token…; the refresh token does not rotate. */
  oauth: OAuthApp;
}

/** Zoho Desk: Zoho-oauthtoken + orgId headers; 401 {"errorCode":"INVALID_OAUTH"}; search answers 204 when nothing matches. */
export async function startZohoDesk(token: string, orgId: string): Promise<ZohoDeskStandIn> {
  const state = { token, loseNextTicketAnswer: false, faults: [] as Base['faults'], requests: [] as Base['requests'], contacts: [] as ZohoDeskStandIn['contacts'], tickets: [] as ZohoDeskStandIn['tickets'], tasks: [] as Array<Record<string, unknown>> };
  const oauth = oauthApp(state, false);
  let seq = 9000;
  const { url, close } = await serve((req, raw, send) => {
    const accounts = new URL(req.url ?? '/', 'http://accounts');
    if (req.method === 'POST' && accounts.pathname === '/oauth/v2/token') {
      const q = accounts.searchParams;
      const granted = q.get('grant_type') === 'refresh_token' ? oauth.grant(q.get('client_id'), q.get('client_secret'), q.get('refresh_token')) : undefined;
      // Zoho Accounts answers a refused grant with HTTP 200 and an error field.
      if (!granted) return send(200, { error: 'invalid_code' });
      return send(200, { ...granted, api_domain: 'https://www.zohoapis.com', token_type: 'Bearer', expires_in: 3600 });
    }
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
      const contact = { ...body, id: String(++seq), lastName: String(body.lastName), phone: String(body.phone ?? ''), cf: (body.cf ?? {}) as Record<string, string> };
      state.contacts.push(contact);
      return send(200, contact);
    }
    const contactPath = /^\/api\/v1\/contacts\/(\w+)$/.exec(path.pathname);
    if (req.method === 'PATCH' && contactPath) {
      const contact = state.contacts.find((c) => c.id === contactPath[1]);
      if (!contact) return send(404, { errorCode: 'RESOURCE_NOT_FOUND', message: 'The requested resource does not exist.' });
      const { cf, ...rest } = body as { cf?: Record<string, string> };
      Object.assign(contact, rest, { cf: { ...contact.cf, ...cf } });
      return send(200, contact);
    }
    if (req.method === 'POST' && path.pathname === '/api/v1/tasks') {
      if (!body.subject || !body.departmentId) return send(422, { errorCode: 'INVALID_DATA', message: 'subject and departmentId are required' });
      const task = { id: String(++seq), ...body };
      state.tasks.push(task);
      return send(200, task);
    }
    const taskPath = /^\/api\/v1\/tasks\/(\w+)$/.exec(path.pathname);
    if (req.method === 'PATCH' && taskPath) {
      const task = state.tasks.find((t) => t.id === taskPath[1]);
      if (!task) return send(404, { errorCode: 'RESOURCE_NOT_FOUND', message: 'The requested resource does not exist.' });
      Object.assign(task, body);
      return send(200, task);
    }
    if (req.method === 'POST' && path.pathname === '/api/v1/tickets') {
      if (!body.subject || !body.departmentId || !(body.contactId || body.contact)) return send(422, { errorCode: 'INVALID_DATA', message: 'subject, departmentId and contactId are required' });
      const ticket = { ...body, id: String(++seq), subject: String(body.subject), contactId: String(body.contactId), departmentId: String(body.departmentId), cf: (body.cf ?? {}) as Record<string, string> };
      state.tickets.push(ticket);
      if (state.loseNextTicketAnswer) {
        state.loseNextTicketAnswer = false;
        return send(502, { errorCode: 'BAD_GATEWAY' });
      }
      return send(200, ticket);
    }
    return send(404, { errorCode: 'URL_NOT_FOUND' });
  }, state);
  return Object.assign(state, { url, close, oauth });
}
