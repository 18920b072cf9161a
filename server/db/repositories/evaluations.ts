// Evaluations of calls and chats, with their answers and result, and the communication facts they are
// made against; every read filters the communication through the caller's AccessScope.
import { sql, type Selectable } from 'kysely';
import type { AccessScope } from '../../domain/access-scope.js';
import type { EvaluationsTable } from '../schema.js';
import type { Executor } from './executor.js';
import { communicationReadable } from './scope.js';

export interface EvaluableCommunication {
  id: string;
  kind: 'call' | 'chat';
  operator_id: string | null;
  /** The communication's department, else its operator's. */
  department_id: string | null;
}

/** The communication in the scope, with what an evaluation needs of it; undefined when missing or outside. */
export async function findEvaluable(db: Executor, scope: AccessScope, id: string): Promise<EvaluableCommunication | undefined> {
  return db
    .selectFrom('communications as c')
    .leftJoin('operators as o', 'o.id', 'c.operator_id')
    .select(['c.id', 'c.kind', 'c.operator_id', sql<string | null>`coalesce(c.department_id, o.department_id)`.as('department_id')])
    .where('c.id', '=', id)
    .where(communicationReadable(scope, 'c'))
    .executeTakeFirst();
}

/** An evaluation as written: the row without what the database makes (id, seq, created_at), answers decoded. */
export type NewEvaluation = Omit<Selectable<EvaluationsTable>, 'id' | 'seq' | 'created_at'>;

export async function insertEvaluation(db: Executor, values: NewEvaluation): Promise<string> {
  const row = await db
    .insertInto('evaluations')
    .values({ ...values, group_scores: JSON.stringify(values.group_scores), answers: JSON.stringify(values.answers) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export interface EvaluationFilter {
  id?: string;
  communication_id?: string;
  operator_id?: string;
  department_id?: string;
  form_id?: string;
  evaluator_id?: string;
  from?: Date;
  to?: Date;
}

/** Evaluations matching the filter within the scope, newest first, `limit` of them after the cursor (a seq). */
export function listEvaluations(db: Executor, scope: AccessScope, filter: EvaluationFilter, page: { limit: number; before?: number }) {
  let query = db
    .selectFrom('evaluations as e')
    .innerJoin('communications as c', 'c.id', 'e.communication_id')
    .innerJoin('evaluation_form_versions as v', (join) => join.onRef('v.form_id', '=', 'e.form_id').onRef('v.version', '=', 'e.form_version'))
    .leftJoin('operators as o', 'o.id', 'e.operator_id')
    .leftJoin('users as u', 'u.id', 'e.evaluator_id')
    .select([
      'e.id',
      'e.seq',
      'e.communication_id',
      'e.operator_id',
      'o.external_id as operator_external_id',
      'o.first_name as operator_first_name',
      'o.last_name as operator_last_name',
      'e.department_id',
      'e.evaluator_type',
      'e.evaluator_id',
      'u.email as evaluator_email',
      'u.name as evaluator_name',
      'e.form_id',
      'e.form_version',
      'v.name as form_name',
      'e.score',
      'e.zone',
      'e.group_scores',
      'e.answers',
      'e.comment',
      'e.created_at',
    ])
    .where(communicationReadable(scope, 'c'))
    .orderBy('e.seq', 'desc')
    .limit(page.limit);
  if (filter.id !== undefined) query = query.where('e.id', '=', filter.id);
  if (filter.communication_id !== undefined) query = query.where('e.communication_id', '=', filter.communication_id);
  if (filter.operator_id !== undefined) query = query.where('e.operator_id', '=', filter.operator_id);
  if (filter.department_id !== undefined) query = query.where('e.department_id', '=', filter.department_id);
  if (filter.form_id !== undefined) query = query.where('e.form_id', '=', filter.form_id);
  if (filter.evaluator_id !== undefined) query = query.where('e.evaluator_id', '=', filter.evaluator_id);
  if (filter.from !== undefined) query = query.where('e.created_at', '>=', filter.from);
  if (filter.to !== undefined) query = query.where('e.created_at', '<', filter.to);
  if (page.before !== undefined) query = query.where('e.seq', '<', page.before);
  return query.execute();
}

export type EvaluationRecord = Awaited<ReturnType<typeof listEvaluations>>[number];
