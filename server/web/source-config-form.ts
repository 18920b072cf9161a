// Form fields for a pull source's config, read off the kind's zod schema (sources/config.ts) so the form
// always matches what the service validates: texts, numbers, checkboxes, choices, and JSON for maps.
import type { z } from 'zod';
import { SOURCE_CONFIGS, type SourceKind } from '../sources/config.js';

export interface ConfigField {
  name: string;
  kind: 'text' | 'number' | 'boolean' | 'select' | 'json';
  required: boolean;
  secret: boolean;
  options?: string[];
  /** The schema's default, shown as the initial value. */
  initial: string;
  description?: string | undefined;
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  defaultValue?: unknown;
  entries?: Record<string, string>;
}
const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

export const SECRET_FIELDS = new Set(['password']);

export function configFields(kind: SourceKind): ConfigField[] {
  const shape = SOURCE_CONFIGS[kind].shape as Record<string, z.ZodType>;
  return Object.entries(shape).map(([name, schema]) => {
    let inner = schema;
    let required = true;
    let initial: unknown;
    for (let def = defOf(inner); def.innerType; def = defOf(inner)) {
      if (def.type === 'default') initial = def.defaultValue;
      if (def.type === 'default' || def.type === 'optional') required = false;
      inner = def.innerType;
    }
    const def = defOf(inner);
    const kindOf: ConfigField['kind'] =
      def.type === 'number' ? 'number' : def.type === 'boolean' ? 'boolean' : def.type === 'enum' ? 'select' : def.type === 'string' ? 'text' : 'json';
    return {
      name,
      kind: kindOf,
      required,
      secret: SECRET_FIELDS.has(name),
      ...(def.entries ? { options: Object.values(def.entries) } : {}),
      initial: initial === undefined ? '' : kindOf === 'json' ? JSON.stringify(initial, null, 2) : String(initial),
      description: schema.description ?? inner.description,
    };
  });
}

/** A config value as the form shows it. */
export function formValue(field: ConfigField, value: unknown): string {
  if (value === undefined || value === null) return '';
  return field.kind === 'json' ? JSON.stringify(value, null, 2) : String(value);
}

/**
 * The posted form's config (fields named `config.<name>`). Blank fields are left out (the schema's
 * default applies on create, the stored value stays on edit); JSON that does not parse is an error.
 */
export function readConfigForm(kind: SourceKind, form: Record<string, string>): { config: Record<string, unknown>; errors: Record<string, string> } {
  const config: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const field of configFields(kind)) {
    const key = `config.${field.name}`;
    const raw = form[key];
    if (field.kind === 'boolean') {
      config[field.name] = raw === 'true';
      continue;
    }
    if (raw === undefined || raw.trim() === '') continue;
    if (field.kind === 'number') {
      const n = Number(raw);
      if (Number.isFinite(n)) config[field.name] = n;
      else errors[key] = 'enter a number';
    } else if (field.kind === 'json') {
      try {
        config[field.name] = JSON.parse(raw);
      } catch {
        errors[key] = 'enter valid JSON';
      }
    } else config[field.name] = field.secret ? raw : raw.trim();
  }
  return { config, errors };
}
