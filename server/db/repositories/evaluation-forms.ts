// Evaluation forms and their versions: every save is a new version row; the form row points at the newest.
import { sql } from 'kysely';
import type { FormDefinition } from '../../domain/evaluation-form.js';
import type { Executor } from './executor.js';

export interface FormRecord extends FormDefinition {
  id: string;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = [
  'f.id',
  'v.version',
  'v.name',
  'v.scoring',
  'v.groups',
  'v.zones',
  'v.kinds',
  'v.department_ids',
  'f.created_at',
  'v.created_at as updated_at',
] as const;

export async function insertForm(db: Executor): Promise<string> {
  return (await db.insertInto('evaluation_forms').defaultValues().returning('id').executeTakeFirstOrThrow()).id;
}

/** The next version number of the form, its row locked until the transaction ends; undefined when there is no such form. */
export async function nextVersion(db: Executor, id: string): Promise<number | undefined> {
  const row = await db
    .updateTable('evaluation_forms')
    .set({ current_version: sql<number>`current_version + 1` })
    .where('id', '=', id)
    .returning('current_version')
    .executeTakeFirst();
  return row?.current_version;
}

export async function insertVersion(db: Executor, id: string, version: number, form: FormDefinition): Promise<void> {
  await db
    .insertInto('evaluation_form_versions')
    .values({
      form_id: id,
      version,
      name: form.name,
      scoring: form.scoring,
      groups: JSON.stringify(form.groups),
      zones: JSON.stringify(form.zones),
      kinds: form.kinds,
      department_ids: form.department_ids,
    })
    .execute();
}

/** The form as of a version (the newest when none is named). */
export async function findForm(db: Executor, id: string, version?: number): Promise<FormRecord | undefined> {
  return db
    .selectFrom('evaluation_forms as f')
    .innerJoin('evaluation_form_versions as v', 'v.form_id', 'f.id')
    .where((eb) => (version === undefined ? eb('v.version', '=', eb.ref('f.current_version')) : eb('v.version', '=', version)))
    .select(COLUMNS)
    .where('f.id', '=', id)
    .executeTakeFirst() as Promise<FormRecord | undefined>;
}

/** Every form as its newest version, by name. */
export async function listForms(db: Executor, limit: number): Promise<FormRecord[]> {
  return db
    .selectFrom('evaluation_forms as f')
    .innerJoin('evaluation_form_versions as v', (join) => join.onRef('v.form_id', '=', 'f.id').onRef('v.version', '=', 'f.current_version'))
    .select(COLUMNS)
    .orderBy('v.name')
    .orderBy('f.id')
    .limit(limit)
    .execute() as Promise<FormRecord[]>;
}
