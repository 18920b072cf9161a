// Loads custom field definitions in the shape the domain coercion and filter parsing use.
import type { CustomFieldDefinition, CustomFieldType } from '../domain/custom-field-types.js';
import { listCustomFields, type CustomFieldRecord } from '../db/repositories/custom-fields.js';
import type { Executor } from '../db/repositories/executor.js';

export function toDefinition(row: CustomFieldRecord): CustomFieldDefinition {
  return {
    key: row.key,
    type: row.type as CustomFieldType,
    options: row.options,
    archived: row.archived,
    usedForFiltering: row.used_for_filtering,
  };
}

export async function loadDefinitions(db: Executor): Promise<Map<string, CustomFieldDefinition>> {
  const rows = await listCustomFields(db);
  return new Map(rows.map((row) => [row.key, toDefinition(row)]));
}
