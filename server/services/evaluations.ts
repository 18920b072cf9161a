// Use cases of evaluating: evaluate a call or chat with a form (its newest version), and read the scores
// (Qolio's "scores by API") with filters and cursor paging — both within `evaluationScope`.
import type { AccessScope } from '../domain/access-scope.js';
import { checkAnswers, type AnswerInput } from '../domain/evaluation-answers.js';
import { NotFound, Unprocessable } from '../domain/errors.js';
import type { Principal } from '../domain/principal.js';
import { evaluate } from '../domain/scoring.js';
import type { Executor } from '../db/repositories/executor.js';
import { findEvaluable, insertEvaluation, listEvaluations, type EvaluationFilter, type EvaluationRecord } from '../db/repositories/evaluations.js';
import { evaluationScope } from './evaluation-access.js';
import type { EvaluationForms } from './evaluation-forms.js';

export interface EvaluateInput {
  form_id: string;
  answers: AnswerInput[];
  comment?: string | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class Evaluations {
  constructor(
    private readonly db: Executor,
    private readonly forms: EvaluationForms,
  ) {}

  async evaluate(principal: Principal, scope: AccessScope, communicationId: string, input: EvaluateInput) {
    const communication = UUID.test(communicationId) ? await findEvaluable(this.db, evaluationScope(principal, scope, 'evaluate'), communicationId) : undefined;
    if (!communication) throw new NotFound('communication', 'communication_not_found');
    const form = await this.forms.find(input.form_id).catch((error: unknown) => {
      if (error instanceof NotFound) throw new Unprocessable('form_not_found', 'no evaluation form has this id', [{ path: 'form_id', code: 'form_not_found', message: 'no such form' }]);
      throw error;
    });
    if (!form.kinds.includes(communication.kind) || (form.department_ids.length > 0 && !(communication.department_id !== null && form.department_ids.includes(communication.department_id)))) {
      throw new Unprocessable('form_not_applicable', `the form is not for this ${communication.kind}`, [
        { path: 'form_id', code: 'form_not_applicable', message: `the form applies to ${form.kinds.join(', ')}${form.department_ids.length ? ' of its departments' : ''}` },
      ]);
    }
    const checked = checkAnswers(form, input.answers);
    if (checked.problems.length > 0) throw new Unprocessable('validation_failed', 'the answers do not fit the form', checked.problems);
    const result = evaluate(form.scoring, form.zones, checked.groups);
    if (result.score === null) throw new Unprocessable('nothing_to_score', 'every criterion is N/A; there is nothing to score', [{ path: 'answers', code: 'nothing_to_score', message: 'answer at least one criterion' }]);
    const id = await insertEvaluation(this.db, {
      communication_id: communication.id,
      operator_id: communication.operator_id,
      department_id: communication.department_id,
      form_id: form.id,
      form_version: form.version,
      evaluator_type: principal.type === 'user' ? 'user' : 'admin_token',
      evaluator_id: principal.type === 'user' ? principal.id : null,
      score: result.score,
      zone: result.zone,
      group_scores: result.groups,
      answers: checked.answers,
      comment: input.comment ?? null,
    });
    const [row] = await listEvaluations(this.db, scope, { id }, { limit: 1 });
    return evaluationView(row!);
  }

  /** The evaluations of one communication, newest first; 404 when it is missing or outside the scope. */
  async ofCommunication(principal: Principal, scope: AccessScope, communicationId: string, page: { limit: number; cursor?: string | undefined }) {
    if (!(await findEvaluable(this.db, evaluationScope(principal, scope, 'read'), communicationId))) throw new NotFound('communication', 'communication_not_found');
    return this.list(principal, scope, { communication_id: communicationId }, page);
  }

  /** Evaluations newest first; `next_cursor` pages on. */
  async list(principal: Principal, scope: AccessScope, filter: EvaluationFilter, page: { limit: number; cursor?: string | undefined }) {
    const rows = await listEvaluations(this.db, evaluationScope(principal, scope, 'read'), filter, {
      limit: page.limit + 1,
      ...(page.cursor !== undefined ? { before: Number(page.cursor) } : {}),
    });
    const items = rows.slice(0, page.limit);
    return { items: items.map(evaluationView), next_cursor: rows.length > page.limit ? String(items.at(-1)!.seq) : null };
  }
}

export function evaluationView(row: EvaluationRecord) {
  return {
    id: row.id,
    communication_id: row.communication_id,
    operator: row.operator_id ? { id: row.operator_id, external_id: row.operator_external_id!, first_name: row.operator_first_name, last_name: row.operator_last_name } : null,
    department_id: row.department_id,
    evaluator: row.evaluator_type === 'user' ? { type: 'user' as const, id: row.evaluator_id, email: row.evaluator_email!, name: row.evaluator_name! } : { type: 'admin_token' as const, id: null },
    form: { id: row.form_id, version: row.form_version, name: row.form_name },
    result: { score: row.score, zone: row.zone, groups: row.group_scores },
    answers: row.answers,
    comment: row.comment,
    created_at: row.created_at.toISOString(),
  };
}
