// Message templates of CRM rules: {{variable}} placeholders over a communication, checked when a rule is
// saved (an unknown variable or a stray `{{` is an error then, not an empty string at 3 a.m.).
export const TEMPLATE_VARIABLES = [
  'client_phone',
  'client_name',
  'client_id',
  'operator_name',
  'operator_id',
  'started_at',
  'duration',
  'direction',
  'status',
  'channel',
  'recording_url',
  'communication_id',
  'uid',
] as const;

const PLACEHOLDER = /\{\{\s*([\w.-]+)\s*\}\}/g;
const CUSTOM_PREFIX = 'custom_fields.';
const CUSTOM = /^custom_fields\.[A-Za-z0-9_-]{1,64}$/;
const KNOWN = new Set<string>(TEMPLATE_VARIABLES);

export type TemplateValues = Partial<Record<(typeof TEMPLATE_VARIABLES)[number], string>> & { custom_fields?: Record<string, unknown> };

const names = (template: string) => [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);

/** Names in the template that are neither a known variable nor custom_fields.<key>. */
export function unknownVariables(template: string): string[] {
  return names(template).filter((name) => !KNOWN.has(name) && !CUSTOM.test(name));
}

/** The custom field keys the template reads ({{custom_fields.<key>}}). */
export function customFieldKeys(template: string): string[] {
  return names(template).filter((name) => CUSTOM.test(name)).map((name) => name.slice(CUSTOM_PREFIX.length));
}

/** True when a `{{` is left that does not open a well-formed placeholder (unclosed, or `{{ two words }}`). */
export function hasStrayBraces(template: string): boolean {
  return template.replace(PLACEHOLDER, '').includes('{{');
}

/** Values are read as own properties only: `{{custom_fields.constructor}}` is a missing field, not Object's constructor. */
export function render(template: string, values: TemplateValues): string {
  return template.replace(PLACEHOLDER, (_, name: string) => {
    if (name.startsWith(CUSTOM_PREFIX)) {
      const fields = values.custom_fields;
      const key = name.slice(CUSTOM_PREFIX.length);
      const value = fields && Object.hasOwn(fields, key) ? fields[key] : undefined;
      return value === undefined || value === null ? '' : Array.isArray(value) ? value.join(', ') : String(value);
    }
    return KNOWN.has(name) && Object.hasOwn(values, name) ? (values[name as keyof Omit<TemplateValues, 'custom_fields'>] ?? '') : '';
  });
}
