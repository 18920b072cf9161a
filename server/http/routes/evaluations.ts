// Quality evaluation (API.md): evaluation forms, evaluating a call or chat, the scores list, comments.
// Authentication is readerAuth (app.ts); admin-only writes are checked here, scope in the services.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { Forbidden, NotFound } from '../../domain/errors.js';
import { isAdmin } from '../../domain/principal.js';
import type { CommunicationComments } from '../../services/communication-comments.js';
import type { EvaluationForms } from '../../services/evaluation-forms.js';
import type { Evaluations } from '../../services/evaluations.js';
import { scopeOf } from '../auth.js';
import { jsonBody, validate } from '../json-body.js';
import { errorResponses, IdParam } from '../schemas/common.js';
import { CommentInputSchema, CommentSchema, EvaluateSchema, EvaluationListQuery, EvaluationSchema, FormInputSchema, FormSchema, FormVersionQuery } from '../schemas/evaluations.js';

const security = [{ adminToken: [] }];
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
const body = <T extends z.ZodType>(schema: T) => ({ body: { required: true, content: { 'application/json': { schema } } } });

function mustBeAdmin(c: Context): void {
  if (!isAdmin(c.get('principal'))) throw new Forbidden('forbidden', 'evaluation forms are changed by admins');
}

/** Evaluating and commenting are the reviewers' work: admins and supervisors; operators read (403 before the body is read). */
function mustReview(c: Context): void {
  const principal = c.get('principal');
  if (principal.type === 'user' && principal.role === 'operator') throw new Forbidden('forbidden', 'operators read their evaluations; evaluating and commenting are for supervisors and admins');
}

/** /api/v1/evaluation_forms: admins write, everyone signed in reads. */
export function evaluationFormRoutes(forms: EvaluationForms) {
  const app = new OpenAPIHono();
  const formId = (c: Context) => {
    const parsed = IdParam.safeParse(c.req.param());
    if (!parsed.success) throw new NotFound('evaluation form', 'evaluation_form_not_found');
    return parsed.data.id;
  };

  app.openAPIRegistry.registerPath(
    createRoute({ method: 'post', path: '/', tags: ['evaluation'], security, summary: 'Create an evaluation form (admin): version 1', request: body(FormInputSchema), responses: { 201: json(FormSchema, 'Created'), ...errorResponses(400, 401, 403, 422) } }),
  );
  app.post('/', async (c, next) => (mustBeAdmin(c), next()), jsonBody(FormInputSchema), async (c) => c.json(await forms.create(c.get('body')), 201));

  app.openAPIRegistry.registerPath(
    createRoute({ method: 'get', path: '/', tags: ['evaluation'], security, summary: 'Every evaluation form, as its newest version, by name', responses: { 200: json(z.object({ items: z.array(FormSchema) }), 'Forms'), ...errorResponses(401) } }),
  );
  app.get('/', async (c) => c.json(await forms.list()));

  app.openAPIRegistry.registerPath(
    createRoute({ method: 'get', path: '/{id}', tags: ['evaluation'], security, summary: 'One evaluation form: its newest version, or ?version=', request: { params: IdParam, query: FormVersionQuery }, responses: { 200: json(FormSchema, 'The form'), ...errorResponses(401, 404, 422) } }),
  );
  app.get('/:id', async (c) => {
    const id = formId(c);
    return c.json(await forms.get(id, validate(FormVersionQuery, c.req.query()).version));
  });

  app.openAPIRegistry.registerPath(
    createRoute({ method: 'put', path: '/{id}', tags: ['evaluation'], security, summary: 'Edit a form (admin): saves the whole body as its next version; evaluations keep the version they were made with', request: { params: IdParam, ...body(FormInputSchema) }, responses: { 200: json(FormSchema, 'The new version'), ...errorResponses(400, 401, 403, 404, 422) } }),
  );
  app.put('/:id', async (c, next) => (mustBeAdmin(c), next()), jsonBody(FormInputSchema), async (c) => c.json(await forms.update(formId(c), c.get('body'))));

  return app;
}

/** /api/v1/evaluations: the operators' scores. */
export function evaluationListRoutes(evaluations: Evaluations) {
  const app = new OpenAPIHono();
  app.openAPIRegistry.registerPath(
    createRoute({ method: 'get', path: '/', tags: ['evaluation'], security, summary: 'Evaluations (the operators’ scores), newest first, scoped like communications; from/to bound when they were made: {items, next_cursor}', request: { query: EvaluationListQuery }, responses: { 200: json(z.object({ items: z.array(EvaluationSchema), next_cursor: z.string().nullable() }), 'Evaluations'), ...errorResponses(401, 422) } }),
  );
  app.get('/', async (c) => {
    const { limit, cursor, from, to, ...filter } = validate(EvaluationListQuery, c.req.query());
    const filters = Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined));
    return c.json(await evaluations.list(c.get('principal'), scopeOf(c), { ...filters, ...(from ? { from: new Date(from) } : {}), ...(to ? { to: new Date(to) } : {}) }, { limit, cursor }));
  });
  return app;
}

/** /api/v1/communications/{id}/evaluations and /comments. */
export function communicationEvaluationRoutes(evaluations: Evaluations, comments: CommunicationComments) {
  const app = new OpenAPIHono();

  app.openAPIRegistry.registerPath(
    createRoute({ method: 'post', path: '/{id}/evaluations', tags: ['evaluation'], security, summary: 'Evaluate a call or chat with a form (its newest version); every criterion answered, N/A only where allowed', request: { params: IdParam, ...body(EvaluateSchema) }, responses: { 201: json(EvaluationSchema, 'Evaluated'), ...errorResponses(400, 401, 404, 422) } }),
  );
  app.post('/:id/evaluations', async (c, next) => (mustReview(c), next()), jsonBody(EvaluateSchema), async (c) => c.json(await evaluations.evaluate(c.get('principal'), scopeOf(c), c.req.param('id'), c.get('body')), 201));

  app.openAPIRegistry.registerPath(
    createRoute({ method: 'get', path: '/{id}/evaluations', tags: ['evaluation'], security, summary: 'The evaluations of one call or chat, newest first: {items, next_cursor}', request: { params: IdParam, query: EvaluationListQuery.pick({ limit: true, cursor: true }) }, responses: { 200: json(z.object({ items: z.array(EvaluationSchema), next_cursor: z.string().nullable() }), 'Evaluations'), ...errorResponses(401, 404, 422) } }),
  );
  app.get('/:id/evaluations', async (c) => {
    const id = IdParam.safeParse(c.req.param());
    if (!id.success) throw new NotFound('communication', 'communication_not_found');
    const { limit, cursor } = validate(EvaluationListQuery.pick({ limit: true, cursor: true }), c.req.query());
    return c.json(await evaluations.ofCommunication(c.get('principal'), scopeOf(c), id.data.id, { limit, cursor }));
  });

  app.openAPIRegistry.registerPath(
    createRoute({ method: 'post', path: '/{id}/comments', tags: ['evaluation'], security, summary: 'Comment on a call or chat, pinned to a moment of the recording (at_seconds), with a red/yellow/green flag', request: { params: IdParam, ...body(CommentInputSchema) }, responses: { 201: json(CommentSchema, 'Commented'), ...errorResponses(400, 401, 404, 422) } }),
  );
  app.post('/:id/comments', async (c, next) => (mustReview(c), next()), jsonBody(CommentInputSchema), async (c) => c.json(await comments.add(c.get('principal'), scopeOf(c), c.req.param('id'), c.get('body')), 201));

  app.openAPIRegistry.registerPath(
    createRoute({ method: 'get', path: '/{id}/comments', tags: ['evaluation'], security, summary: 'The comments of a call or chat, in the order they were made', request: { params: IdParam }, responses: { 200: json(z.object({ items: z.array(CommentSchema) }), 'Comments'), ...errorResponses(401, 404) } }),
  );
  app.get('/:id/comments', async (c) => c.json(await comments.list(c.get('principal'), scopeOf(c), c.req.param('id'))));

  return app;
}
