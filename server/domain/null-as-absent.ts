// Null means absent for optional fields: clients send back what they were given (`"cursor": null`), so
// every edge parses with `parseNullAsAbsent`, which drops a null wherever the schema takes the field as
// optional and would refuse the null itself. Guided by the schema, so it covers every field of every
// schema (nested objects, arrays, records and unions included) without a rule per field.
import type { z } from 'zod';

type Def = { type: string } & Record<string, unknown>;
const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;
/** Optional input: `.optional()`, `.default()` (zod marks it 'defaulted'), or wrappers of those. */
const isOptional = (schema: z.ZodType) => (schema as unknown as { _zod: { optin?: string } })._zod.optin !== undefined;
const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The schema a value is checked against first: wrappers (optional, default, pipes, lazy …) looked through. */
function inner(schema: z.ZodType): z.ZodType {
  for (let current = schema, depth = 0; depth < 64; depth++) {
    const def = defOf(current);
    switch (def.type) {
      case 'optional':
      case 'nullable':
      case 'default':
      case 'prefault':
      case 'readonly':
      case 'catch':
      case 'nonoptional':
        current = def.innerType as z.ZodType;
        break;
      case 'pipe':
        // A preprocess is a pipe from a transform: the value is checked by what follows it.
        current = (defOf(def.in as z.ZodType).type === 'transform' ? def.out : def.in) as z.ZodType;
        break;
      case 'lazy':
        current = (def.getter as () => z.ZodType)();
        break;
      default:
        return current;
    }
  }
  return schema;
}

/** `value` with the nulls of optional fields left out: a changed copy, or `value` itself when nothing was dropped. */
export function dropNullOptionals(schema: z.ZodType, value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const target = inner(schema);
  const def = defOf(target);
  if (def.type === 'object' && isPlainObject(value)) {
    const shape = def.shape as Record<string, z.ZodType>;
    return mapEntries(value, (key, item) => {
      const field = Object.hasOwn(shape, key) ? shape[key] : undefined;
      if (field === undefined) return item;
      if (item === null) return isOptional(field) && !field.safeParse(null).success ? DROP : item;
      return dropNullOptionals(field, item);
    });
  }
  if (def.type === 'record' && isPlainObject(value)) return mapEntries(value, (_, item) => dropNullOptionals(def.valueType as z.ZodType, item));
  if (def.type === 'array' && Array.isArray(value)) {
    const items = value.map((item) => dropNullOptionals(def.element as z.ZodType, item));
    return items.some((item, i) => item !== value[i]) ? items : value;
  }
  if (def.type === 'union') {
    // Options of the value's own shape; when several fit (a discriminated union), the first one the cleaned
    // value satisfies. None: the value as sent, so the errors name what was sent.
    const options = (def.options as z.ZodType[]).filter((option) => sameShape(defOf(inner(option)).type, value));
    if (options.length === 1) return dropNullOptionals(options[0]!, value);
    for (const option of options) {
      const cleaned = dropNullOptionals(option, value);
      if (cleaned !== value && option.safeParse(cleaned).success) return cleaned;
    }
    return value;
  }
  if (def.type === 'intersection') return dropNullOptionals(def.right as z.ZodType, dropNullOptionals(def.left as z.ZodType, value));
  return value;
}

const DROP = Symbol('drop');

/** The object with each entry mapped (DROP leaves it out); own keys only, `__proto__` kept as a key. */
function mapEntries(value: Record<string, unknown>, map: (key: string, item: unknown) => unknown): Record<string, unknown> {
  let changed = false;
  const out: Record<string, unknown> = Object.create(Object.getPrototypeOf(value) as object | null);
  for (const [key, item] of Object.entries(value)) {
    const mapped = map(key, item);
    if (mapped !== item) changed = true;
    if (mapped !== DROP) Object.defineProperty(out, key, { value: mapped, writable: true, enumerable: true, configurable: true });
  }
  return changed ? out : value;
}

function sameShape(type: string, value: object): boolean {
  if (Array.isArray(value)) return type === 'array' || type === 'tuple';
  return type === 'object' || type === 'record' || type === 'union' || type === 'intersection';
}

/** `schema.safeParse`, with null taken as absent for optional fields. */
export function parseNullAsAbsent<S extends z.ZodType>(schema: S, value: unknown, params?: { reportInput?: boolean }): z.ZodSafeParseResult<z.output<S>> {
  return schema.safeParse(dropNullOptionals(schema, value), params) as z.ZodSafeParseResult<z.output<S>>;
}
