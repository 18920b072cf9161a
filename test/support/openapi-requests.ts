// Requests generated from the OpenAPI document the app serves, so a route added later is covered without a
// test edit: every operation, a valid-ish body and parameters sampled from its schemas (examples, enums,
// formats, and a few well-known field names), and the paths of its string fields and open objects.
import type { TestContext } from './context.js';

type Schema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  enum?: unknown[];
  example?: unknown;
  default?: unknown;
  format?: string;
  minimum?: number;
  minItems?: number;
  pattern?: string;
};
type Parameter = { name: string; in: 'path' | 'query' | 'header'; required?: boolean; schema?: Schema };
type OperationObject = { parameters?: Parameter[]; requestBody?: { content?: Record<string, { schema?: Schema }> } };
export type Document = { paths: Record<string, Record<string, OperationObject>>; components?: { schemas?: Record<string, Schema> } };

export interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  /** The JSON body schema, references resolved at the top; undefined when the operation takes none. */
  body: Schema | undefined;
  /** Content types of the body (JSON, CSV, audio …). */
  contentTypes: string[];
}

/** Known-good values for the world a test seeded: path parameters by name and fields by name. */
export interface World {
  integrationId: string;
  operatorId: string;
  operatorExternalId: string;
  communicationId: string;
  callUid: string;
  clientId: string;
}

export async function loadDocument(ctx: TestContext): Promise<Document> {
  return (await (await ctx.app.request('/api/openapi.json')).json()) as Document;
}

export function operationsOf(document: Document): Operation[] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => {
      const content = op.requestBody?.content ?? {};
      const json = content['application/json']?.schema;
      return { method: method.toUpperCase(), path, parameters: op.parameters ?? [], body: json ? resolve(document, json) : undefined, contentTypes: Object.keys(content) };
    }),
  );
}

export function resolve(document: Document, schema: Schema): Schema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace('#/components/schemas/', '');
  const found = document.components?.schemas?.[name];
  if (!found) throw new Error(`unresolved ${schema.$ref}`);
  return resolve(document, found);
}

const typesOf = (schema: Schema) => (Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : []).filter((t) => t !== 'null');

/** The variants a value of the schema may take (oneOf/anyOf), else the schema itself. */
function variantsOf(document: Document, schema: Schema): Schema[] {
  const s = resolve(document, schema);
  return (s.oneOf ?? s.anyOf ?? [s]).map((v) => resolve(document, v));
}

const BY_NAME: Record<string, (w: World) => unknown> = {
  operator_id: (w) => w.operatorExternalId,
  integration_id: (w) => w.integrationId,
  started_at: () => '2024-03-01T10:00:00+03:00',
  sent_at: () => '2024-03-01T10:01:00+03:00',
  closed_at: () => '2024-03-01T10:05:00+03:00',
  media_url: () => 'https://pbx.example/rec/1.wav',
  schedule: () => '*/5 * * * *',
  default_timezone: () => 'Europe/Moscow',
  timezone: () => 'Europe/Moscow',
  direction: () => 'incoming',
  path: () => '/var/spool/asterisk/cdr.csv',
  recordings_dir: () => '/var/spool/asterisk/monitor',
  client_id: (w) => w.clientId,
};

/**
 * A value the schema accepts, as far as a schema says (examples, defaults, enums, formats). `name` is the
 * field's name, for fields whose valid values a schema cannot tell (an existing operator, a cron line).
 */
export function sample(document: Document, schema: Schema, world: World, name?: string): unknown {
  const s = variantsOf(document, schema)[0]!;
  if (s.allOf) return Object.assign({}, ...s.allOf.map((part) => sample(document, part, world, name)));
  if (name !== undefined && Object.hasOwn(BY_NAME, name)) return BY_NAME[name]!(world);
  if (s.example !== undefined) return s.example;
  if (s.enum) return s.enum[0];
  if (s.default !== undefined && typeof s.default !== 'object') return s.default;
  const type = typesOf(s)[0] ?? (s.properties ? 'object' : undefined);
  switch (type) {
    case 'string':
      if (s.format === 'uuid') return crypto.randomUUID();
      if (s.format === 'date-time') return '2024-03-01T10:00:00Z';
      if (s.format === 'email') return 'someone@example.com';
      if (s.pattern?.startsWith('^(postgres')) return 'postgres://pbx@127.0.0.1:5432/cdr';
      if (s.pattern) return 'abc';
      return name === 'url' || name === 'base_url' ? 'http://127.0.0.1:9/x' : `sample-${name ?? 'text'}`;
    case 'integer':
    case 'number':
      return Math.max(s.minimum ?? 1, 1);
    case 'boolean':
      return true;
    case 'array':
      return Array.from({ length: Math.max(s.minItems ?? 1, 1) }, () => sample(document, s.items ?? {}, world));
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const key of s.required ?? []) out[key] = sample(document, s.properties?.[key] ?? {}, world, key);
      return out;
    }
    default:
      return 'sample';
  }
}

export type FieldPath = Array<string | number>;

/** Every property path of the schema (as sampled: the first variant), with its schema, to `depth` levels. */
export function propertyPaths(document: Document, schema: Schema, depth = 3, prefix: FieldPath = []): Array<{ path: FieldPath; schema: Schema; required: boolean }> {
  if (depth === 0) return [];
  const s = variantsOf(document, schema)[0]!;
  const found: Array<{ path: FieldPath; schema: Schema; required: boolean }> = [];
  for (const [key, child] of Object.entries(s.properties ?? {})) {
    const path = [...prefix, key];
    found.push({ path, schema: resolve(document, child), required: (s.required ?? []).includes(key) });
    found.push(...propertyPaths(document, child, depth - 1, path));
  }
  const items = typesOf(s).includes('array') ? s.items : undefined;
  if (items) found.push(...propertyPaths(document, items, depth - 1, [...prefix, 0]));
  return found;
}

export const isStringSchema = (document: Document, schema: Schema) => variantsOf(document, schema).some((v) => typesOf(v).includes('string'));
export const isOpenObject = (document: Document, schema: Schema) =>
  variantsOf(document, schema).some((v) => typesOf(v).includes('object') && v.additionalProperties !== undefined && v.additionalProperties !== false);

/** A copy of `value` with `path` set (intermediate objects and arrays made as needed). */
export function withValue(value: unknown, path: FieldPath, leaf: unknown): unknown {
  if (path.length === 0) return leaf;
  const [head, ...rest] = path;
  if (typeof head === 'number') {
    const list = Array.isArray(value) ? [...value] : [];
    list[head] = withValue(list[head], rest, leaf);
    return list;
  }
  const object = typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...(value as Record<string, unknown>) } : {};
  Object.defineProperty(object, head!, { value: withValue(object[head!], rest, leaf), enumerable: true, writable: true, configurable: true });
  return object;
}

/** A known-good value for a path parameter, so requests get past routing to the handler. */
export function pathParam(op: Operation, name: string, world: World): string {
  if (name === 'integration_id' || op.path.startsWith('/api/v1/admin/integrations/')) return world.integrationId;
  if (op.path.startsWith('/api/v1/admin/operators/')) return world.operatorId;
  if (name === 'uid') return world.callUid;
  if (name === 'key') return 'topic';
  if (name === 'tag') return 'vip';
  if (name === 'client_id') return world.clientId;
  if (op.path.startsWith('/api/v1/communications/')) return world.communicationId;
  return crypto.randomUUID();
}

export function urlOf(op: Operation, params: Record<string, string>, query: Record<string, string> = {}): string {
  const path = op.path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(params[name]!));
  const search = new URLSearchParams(query).toString();
  return search ? `${path}?${search}` : path;
}
