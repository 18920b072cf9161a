// Use cases: define, change and archive custom fields.
import { CUSTOM_FIELD_TYPES, type CustomFieldType } from '../domain/custom-field-types.js';
import { Conflict, NotFound, Unprocessable } from '../domain/errors.js';
import type { Executor } from '../db/repositories/executor.js';
import type { SettingsState } from '../search/sync.js';
import {
  findCustomField,
  insertCustomField,
  listCustomFields,
  updateCustomField,
  type CustomFieldRecord,
} from '../db/repositories/custom-fields.js';

export interface CustomFieldView {
  key: string;
  name: string;
  type: CustomFieldType;
  options: string[] | null;
  used_for_filtering: boolean;
  used_for_evaluation: boolean;
  archived: boolean;
  created_at: string;
  updated_at: string;
}

const view = (row: CustomFieldRecord): CustomFieldView => ({
  ...row,
  type: row.type as CustomFieldType,
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
});

const invalid = (path: string, code: string, message: string) => new Unprocessable(code, message, [{ path, code, message }]);

export interface DefineInput {
  key: string;
  name: string;
  type: CustomFieldType;
  options?: string[] | undefined;
  used_for_filtering?: boolean | undefined;
  used_for_evaluation?: boolean | undefined;
}

export interface PatchInput {
  name?: string | undefined;
  type?: string | undefined;
  options?: string[] | undefined;
  used_for_filtering?: boolean | undefined;
  used_for_evaluation?: boolean | undefined;
}

/** A definition as stored, with the outcome of applying the change to the search index settings. */
export type CustomFieldChange = CustomFieldView & { search_settings: SettingsState };

export class CustomFields {
  constructor(
    private readonly db: Executor,
    /** Runs after every change; resolves with the search index settings outcome (a failure is retried by the sync). */
    private readonly onChange: () => Promise<SettingsState>,
  ) {}

  private async changed(row: CustomFieldRecord): Promise<CustomFieldChange> {
    return { ...view(row), search_settings: await this.onChange() };
  }

  async define(input: DefineInput): Promise<CustomFieldChange> {
    if (!CUSTOM_FIELD_TYPES.includes(input.type)) throw invalid('type', 'invalid_type', `type must be one of ${CUSTOM_FIELD_TYPES.join(', ')}`);
    if (input.type === 'enum' && !input.options?.length) throw invalid('options', 'options_required', 'an enum field needs options');
    if (input.type !== 'enum' && input.options !== undefined) throw invalid('options', 'options_not_allowed', 'only enum fields take options');
    const row = await insertCustomField(this.db, {
      key: input.key,
      name: input.name,
      type: input.type,
      options: input.type === 'enum' ? [...new Set(input.options)] : null,
      used_for_filtering: input.used_for_filtering ?? false,
      used_for_evaluation: input.used_for_evaluation ?? false,
    });
    if (!row) throw new Conflict('custom_field_exists', `a custom field with key "${input.key}" exists`);
    return this.changed(row);
  }

  async list(): Promise<CustomFieldView[]> {
    return (await listCustomFields(this.db)).map(view);
  }

  async patch(key: string, input: PatchInput): Promise<CustomFieldChange> {
    const row = await this.db.transaction().execute(async (trx) => {
      const current = await findCustomField(trx, key, true);
      if (!current) throw new NotFound('custom field', 'custom_field_not_found');
      if (input.type !== undefined && input.type !== current.type) throw invalid('type', 'type_immutable', 'the type of a custom field never changes');
      let options: string[] | undefined;
      if (input.options !== undefined) {
        if (current.type !== 'enum') throw invalid('options', 'options_not_allowed', 'only enum fields take options');
        const removed = (current.options ?? []).filter((o) => !input.options!.includes(o));
        if (removed.length > 0) throw invalid('options', 'options_removed', `options can only be added; missing: ${removed.join(', ')}`);
        options = [...new Set([...(current.options ?? []), ...input.options])];
      }
      const changes = {
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(options !== undefined ? { options } : {}),
        ...(input.used_for_filtering !== undefined ? { used_for_filtering: input.used_for_filtering } : {}),
        ...(input.used_for_evaluation !== undefined ? { used_for_evaluation: input.used_for_evaluation } : {}),
      };
      return (await updateCustomField(trx, key, changes))!;
    });
    return this.changed(row);
  }

  async archive(key: string): Promise<CustomFieldChange> {
    const row = await updateCustomField(this.db, key, { archived: true });
    if (!row) throw new NotFound('custom field', 'custom_field_not_found');
    return this.changed(row);
  }
}
