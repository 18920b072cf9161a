// Matching an evaluation's answers to its form: every criterion answered once, by one of its options or
// N/A where the criterion allows it; problems are reported at the criterion's path (`answers.<key>`, or
// `answers[i].criterion` for a key the form does not have). Pure.
import type { ErrorDetail } from './errors.js';
import { maxPoints, type FormDefinition } from './evaluation-form.js';
import type { GroupAnswers } from './scoring.js';

export interface AnswerInput {
  criterion: string;
  option?: string | undefined;
  na?: boolean | undefined;
  comment?: string | undefined;
}

export interface CheckedAnswer {
  criterion: string;
  option: string | null;
  points: number | null;
  na: boolean;
  comment: string | null;
}

export interface CheckedAnswers {
  problems: ErrorDetail[];
  /** The answers in the form's order of criteria. */
  answers: CheckedAnswer[];
  /** Per group, what the scoring methods take. */
  groups: GroupAnswers[];
}

export function checkAnswers(form: Pick<FormDefinition, 'groups'>, inputs: readonly AnswerInput[]): CheckedAnswers {
  const problems: ErrorDetail[] = [];
  const criteria = new Map(form.groups.flatMap((g) => g.criteria.map((c) => [c.key, c] as const)));
  const given = new Map<string, AnswerInput>();
  inputs.forEach((input, i) => {
    const path = `answers.${input.criterion}`;
    if (!criteria.has(input.criterion)) problems.push({ path: `answers[${i}].criterion`, code: 'unknown_criterion', message: `the form has no criterion "${input.criterion}"` });
    else if (given.has(input.criterion)) problems.push({ path, code: 'duplicate_answer', message: 'the criterion is answered twice' });
    else given.set(input.criterion, input);
  });
  const answers: CheckedAnswer[] = [];
  const groups: GroupAnswers[] = form.groups.map((group) => ({
    name: group.name,
    answers: group.criteria.flatMap((criterion) => {
      const path = `answers.${criterion.key}`;
      const input = given.get(criterion.key);
      const na = input?.na === true;
      const fail = (code: string, message: string) => (problems.push({ path, code, message }), []);
      if (!input || (!na && input.option === undefined)) return fail('answer_required', `criterion "${criterion.key}" needs an option or, where allowed, na`);
      if (na && input.option !== undefined) return fail('invalid_value', 'an answer is an option or na, not both');
      if (na && !criterion.allow_na) return fail('na_not_allowed', `criterion "${criterion.key}" does not allow N/A`);
      const option = na ? undefined : criterion.options.find((o) => o.label === input.option);
      if (!na && !option) return fail('unknown_option', `criterion "${criterion.key}" has no option "${input.option}"`);
      answers.push({ criterion: criterion.key, option: option?.label ?? null, points: option?.points ?? null, na, comment: input.comment ?? null });
      return [{ points: option?.points ?? null, max: maxPoints(criterion), weight: criterion.weight }];
    }),
  }));
  return { problems, answers, groups };
}
