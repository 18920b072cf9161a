// Custom field definitions.
import { sql } from 'kysely';
import type { Executor } from './executor.js';

const COLUMNS = ['key', 'name', 'type', 'options', 'used_for_filtering', 'used_for_evaluation', 'archived', 'created_at', 'updated_at'] as const;

export interface CustomFieldRecord {
  key: string;
  name: string;
  type: string;
  options: string[] | null;
  used_for_filtering: boolean;
  used_for_evaluation: boolean;
  archived: boolean;
  created_at: Date;
  updated_at: Date;
}

export async function insertCustomField(
  db: Executor,
  values: Pick<CustomFieldRecord, 'key' | 'name' | 'type' | 'options' | 'used_for_filtering' | 'used_for_evaluation'>,
): Promise<CustomFieldRecord | undefined> {
  return db
    .insertInto('custom_fields')
    .values(values)
    .onConflict((oc) => oc.column('key').doNothing())
    .returning(COLUMNS)
    .executeTakeFirst();
}

export async function listCustomFields(db: Executor): Promise<CustomFieldRecord[]> {
  return db.selectFrom('custom_fields').select(COLUMNS).orderBy('key').execute();
}

export async function findCustomField(db: Executor, key: string, lock = false): Promise<CustomFieldRecord | undefined> {
  const query = db.selectFrom('custom_fields').select(COLUMNS).where('key', '=', key);
  return (lock ? query.forUpdate() : query).executeTakeFirst();
}

export async function updateCustomField(
  db: Executor,
  key: string,
  values: Partial<Pick<CustomFieldRecord, 'name' | 'options' | 'used_for_filtering' | 'used_for_evaluation' | 'archived'>>,
): Promise<CustomFieldRecord | undefined> {
  return db
    .updateTable('custom_fields')
    .set({ ...values, updated_at: sql<Date>`now()` })
    .where('key', '=', key)
    .returning(COLUMNS)
    .executeTakeFirst();
}
