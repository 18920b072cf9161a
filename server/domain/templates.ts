// Message templates of CRM rules: {{variable}} placeholders over a communication, checked when a rule is
// saved (an unknown variable is an error then, not an empty string at 3 a.m.).
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
const CUSTOM = /^custom_fields\.[A-Za-z0-9_-]{1,64}$/;

export type TemplateValues = Partial<Record<(typeof TEMPLATE_VARIABLES)[number], string>> & { custom_fields?: Record<string, unknown> };

/** Names in the template that are neither a known variable nor custom_fields.<key>. */
export function unknownVariables(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!).filter((name) => !(TEMPLATE_VARIABLES as readonly string[]).includes(name) && !CUSTOM.test(name));
}

export function render(template: string, values: TemplateValues): string {
  return template.replace(PLACEHOLDER, (_, name: string) => {
    if (name.startsWith('custom_fields.')) {
      const value = values.custom_fields?.[name.slice('custom_fields.'.length)];
      return value === undefined || value === null ? '' : Array.isArray(value) ? value.join(', ') : String(value);
    }
    return values[name as keyof Omit<TemplateValues, 'custom_fields'>] ?? '';
  });
}
