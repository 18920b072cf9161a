// Builds the Hono app from its dependencies; never starts a server (main.ts does).
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import type { UserPrincipal } from '../domain/principal.js';
import type { Logger } from '../logger.js';
import type { Services } from '../services/index.js';
import { AddressList } from '../domain/client-address.js';
import { adminAuth, adminOrIntegrationAuth, integrationQueryScope, readerAuth, userAuth } from './auth.js';
import { auditMiddleware, settingsChangeAudit } from './audit.js';
import { clientAddressMiddleware } from './client-address.js';
import { assertStorableUrl } from '../domain/storable-text.js';
import { handleError, respondError } from './errors.js';
import { BodyBudget } from './body-budget.js';
import { bodyLimit, bufferedForm } from './request-body.js';
import type { Metrics } from './metrics.js';
import { registerSourceMetrics } from './source-metrics.js';
import { departmentRoutes } from './routes/admin-departments.js';
import { customFieldRoutes } from './routes/admin-custom-fields.js';
import { integrationRoutes } from './routes/admin-integrations.js';
import { operatorRoutes } from './routes/admin-operators.js';
import { communicationRoutes } from './routes/communications.js';
import { docsRoutes } from './routes/docs.js';
import { healthRoutes } from './routes/health.js';
import { phoneCallRoutes } from './routes/phone-calls.js';
import { mediaRoutes } from './routes/media.js';
import { recordingRoutes } from './routes/recordings.js';
import { sourceRoutes } from './routes/admin-sources.js';
import { consoleApp } from '../web/console.js';
import { chatRoutes } from './routes/chats.js';
import { crmConnectorRoutes, crmDeliveryRoutes } from './routes/admin-crm.js';
import { recordingLinkRoutes } from './routes/admin-recording-links.js';
import { clientAdminRoutes, clientRoutes } from './routes/clients.js';
import { userRoutes } from './routes/admin-users.js';
import { auditLogRoutes } from './routes/admin-audit-log.js';
import { meRoutes } from './routes/me.js';
import { signInRoutes } from './routes/sign-in.js';
import { retentionRoutes } from './routes/admin-retention.js';
import { erasureRoutes } from './routes/admin-erasure.js';
import { communicationEvaluationRoutes, evaluationFormRoutes, evaluationListRoutes } from './routes/evaluations.js';

export interface AppDeps {
  services: Services;
  metrics: Metrics;
  logger: Logger;
  bodyLimitBytes: number;
  /** Request bytes all requests together may buffer (EARSHOT_BODY_BUDGET); 4 × bodyLimitBytes when not given. */
  bodyBudget?: BodyBudget;
  version: string;
  /** Reverse proxies whose X-Forwarded-For is believed (EARSHOT_TRUSTED_PROXIES); none when not given. */
  trustedProxies?: string[];
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;
const COMMUNICATION_TAGS = /^\/api\/v1\/communications\/[^/]+\/tags(\/|$)/;
/** GET /api/v1/clients/{client_id}, the card (not the dictionaries under /clients/tags and /clients/attributes). */
const CLIENT_CARD = /^\/api\/v1\/clients\/(?!tags$|attributes$)[^/]+$/;

/** Console forms are small; only the operators CSV upload (multipart) takes up to the body limit. */
const CONSOLE_FORM_LIMIT_BYTES = 16 * 1024;

export function createApp(deps: AppDeps) {
  const { services, metrics, logger } = deps;
  const budget = deps.bodyBudget ?? new BodyBudget(4 * deps.bodyLimitBytes);
  const app = new OpenAPIHono();

  // Keeps a caller's sane x-request-id (PBXes and proxies send their own), else makes one.
  app.use(async (c, next) => {
    const sent = c.req.header('x-request-id');
    const id = sent && REQUEST_ID.test(sent) ? sent : crypto.randomUUID();
    c.set('requestId', id);
    c.header('x-request-id', id);
    const started = performance.now();
    await next();
    if (logger.isLevelEnabled('debug')) {
      logger.debug({ request_id: id, method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started) }, 'request');
    }
  });
  app.use(metrics.middleware);
  registerSourceMetrics(metrics.registry, services.pullSources.runs);
  app.use(clientAddressMiddleware(new AddressList(deps.trustedProxies ?? [])));
  app.use(auditMiddleware(services.auditLog));
  app.use(settingsChangeAudit());
  // NUL characters in a path or query would reach Postgres (the console checks its own URLs).
  const storableUrl: MiddlewareHandler = async (c, next) => {
    assertStorableUrl(c.req.url);
    await next();
  };
  app.use('/api/*', storableUrl);
  app.use('/media/*', storableUrl);
  app.use('/recording-links/*', storableUrl);
  app.use('/api/*', bodyLimit(deps.bodyLimitBytes, services.recordings.limitBytes, budget));
  app.use('/api/v1/admin/*', adminAuth(services.adminAuth, services.userAuth));
  app.use('/api/v1/me', userAuth(services.adminAuth, services.userAuth));
  app.use('/api/v1/me/*', userAuth(services.adminAuth, services.userAuth));
  // The clients API (and session tags on communications) takes the admin token or any integration's token,
  // scoped to the token's integration (the admin token: all, or the one ?integration_id= names). Of other users,
  // every role reads client cards and supervisors tag communications, within their scope (docs/access.md).
  const staffMay = (c: Context, user: UserPrincipal) =>
    (c.req.method === 'GET' && CLIENT_CARD.test(c.req.path)) || (user.role === 'supervisor' && COMMUNICATION_TAGS.test(c.req.path));
  const clientApiAuth = adminOrIntegrationAuth(services.adminAuth, services.userAuth, services.integrations, staffMay);
  const clientApiScope = integrationQueryScope(services.integrations);
  const clientApi: MiddlewareHandler = (c, next) => clientApiAuth(c, async () => void (await clientApiScope(c, next)));
  // Reading communications: the admin token and users of every role, each within its scope.
  const communicationsAuth = readerAuth(services.adminAuth, services.userAuth);
  app.use('/api/v1/communications/*', (c, next) => (COMMUNICATION_TAGS.test(c.req.path) ? clientApi(c, next) : communicationsAuth(c, next)));
  app.use('/api/v1/clients/*', clientApi);
  // Quality evaluation (issue 18): every role signs in; who may do what is evaluationScope's (services/evaluation-access.ts).
  for (const path of ['/api/v1/evaluation_forms', '/api/v1/evaluation_forms/*', '/api/v1/evaluations', '/api/v1/evaluations/*']) app.use(path, communicationsAuth);
  app.use('/api/v1/sessions/*', clientApi);
  app.use('/api/v1/admin/clients/*', clientApiScope);

  app.route('/', healthRoutes(services.health, metrics));
  app.route('/api/v1/admin/integrations', integrationRoutes(services.integrations));
  app.route('/api/v1/admin/departments', departmentRoutes(services.departments));
  app.route('/api/v1/admin/operators', operatorRoutes(services.operators));
  app.route('/api/v1/admin/custom_fields', customFieldRoutes(services.customFields));
  // People, roles and access (issue 17).
  app.route('/api/v1/admin/users', userRoutes(services.users, services.userImport));
  app.route('/api/v1/admin', auditLogRoutes(services.auditLog));
  app.route('/api/v1/auth', signInRoutes(services.userAuth, services.userTokens));
  app.route('/api/v1/me', meRoutes(services.users, services.userTokens));
  app.route(
    '/api/v1/integrations/:integration_id/phone_calls',
    phoneCallRoutes({ integrations: services.integrations, callIngest: services.callIngest, transcripts: services.transcripts, recordings: services.recordings, metrics }),
  );
  // Recordings (issue 4): uploads by uid and signed playback.
  app.route('/api/v1/integrations/:integration_id/phone_calls', recordingRoutes({ integrations: services.integrations, recordings: services.recordings }));
  app.route('/', mediaRoutes(services.recordings, services.recordingLinks));
  app.route('/api/v1/admin/sources', sourceRoutes(services.pullSources));
  app.route('/api/v1/communications', communicationRoutes(services.communications));
  app.route('/api/v1/evaluation_forms', evaluationFormRoutes(services.evaluationForms));
  app.route('/api/v1/evaluations', evaluationListRoutes(services.evaluations));
  app.route('/api/v1/communications', communicationEvaluationRoutes(services.evaluations, services.communicationComments));
  // Chats and client cards (issue 6).
  app.route('/api/v1/integrations/:integration_id/chats', chatRoutes({ integrations: services.integrations, chatIngest: services.chatIngest }));
  app.route('/api/v1', clientRoutes(services.clients));
  app.route('/api/v1/admin/clients', clientAdminRoutes(services.clients));
  // CRM push (issue 5).
  app.route('/api/v1/admin/crm_connectors', crmConnectorRoutes(services.crmConnectors));
  app.route('/api/v1/admin/crm_deliveries', crmDeliveryRoutes(services.crmDeliveryLog));
  app.route('/api/v1/admin/recording_links', recordingLinkRoutes(services.recordingLinks));
  // Retention and erasure (issue 17 item 4).
  app.route('/api/v1/admin/retention', retentionRoutes(services.retention));
  app.route('/api/v1/admin', erasureRoutes(services.erasure));
  app.route('/', docsRoutes(app, deps.version));
  app.route('/console', consoleApp({ services, logger, version: deps.version, formBody: bufferedForm(CONSOLE_FORM_LIMIT_BYTES, deps.bodyLimitBytes, budget) }));

  app.notFound((c) => respondError(c, 404, 'not_found', `no route for ${c.req.method} ${c.req.path}`));
  app.onError((error, c) => handleError(error, c, (e) => logger.error({ err: e, request_id: c.get('requestId') }, 'unhandled error')));
  return app;
}

export type App = ReturnType<typeof createApp>;

declare module 'hono' {
  interface ContextVariableMap {
    requestId: string;
  }
}
