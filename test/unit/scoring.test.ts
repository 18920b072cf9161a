// Qolio's six scoring methods against hand computation (API.md "Quality evaluation"), N/A left out of both
// sums, per group, rounding to 2 decimals, zones; and the form rules (weights above 0, unique keys, zones).
import { describe, expect, it } from 'vitest';
import { checkAnswers } from '../../server/domain/evaluation-answers.js';
import { formProblems, type Criterion } from '../../server/domain/evaluation-form.js';
import { evaluate, round2, score, zoneOf, type ScoredAnswer, type ScoringMethod } from '../../server/domain/scoring.js';
import { FormInputSchema } from '../../server/http/schemas/evaluations.js';

// Three answered criteria and one N/A: points 2/2 (w 1), 1/3 (w 2), 0/1 (w 1), N/A of max 5 (w 3).
const A: ScoredAnswer[] = [
  { points: 2, max: 2, weight: 1 },
  { points: 1, max: 3, weight: 2 },
  { points: 0, max: 1, weight: 1 },
  { points: null, max: 5, weight: 3 },
];

describe('score', () => {
  const cases: Array<[ScoringMethod, ScoredAnswer[], number | null, string]> = [
    ['numeric_simple_sum', A, 3, '2 + 1 + 0'],
    ['numeric_simple_average', A, 1, '3 / 3'],
    ['numeric_weighted_average', A, 1, '(1·2 + 2·1 + 1·0) / (1 + 2 + 1) = 4 / 4'],
    ['percentage_simple_sum', A, 50, '100 · 3 / (2 + 3 + 1) = 300 / 6'],
    ['percentage_simple_average', A, 44.44, '(100/3) · (1 + 1/3 + 0) = 44.444…'],
    ['percentage_weighted_average', A, 41.67, '100 · (1·1 + 2·(1/3) + 1·0) / 4 = 41.666…'],
    // A single criterion.
    ['numeric_simple_sum', [{ points: 4, max: 5, weight: 2 }], 4, '4'],
    ['numeric_weighted_average', [{ points: 4, max: 5, weight: 2 }], 4, '2·4 / 2'],
    ['percentage_simple_sum', [{ points: 4, max: 5, weight: 2 }], 80, '100 · 4 / 5'],
    ['percentage_weighted_average', [{ points: 1, max: 3, weight: 7 }], 33.33, '100 · 7·(1/3) / 7'],
    ['percentage_simple_average', [{ points: 2, max: 3, weight: 1 }], 66.67, '100 · 2/3'],
    // N/A only in the weights: the N/A criterion's weight is not in Σw.
    ['numeric_weighted_average', [{ points: 3, max: 3, weight: 1 }, { points: null, max: 3, weight: 100 }], 3, '1·3 / 1'],
    ['numeric_simple_average', [{ points: 3, max: 3, weight: 1 }, { points: 0, max: 3, weight: 1 }, { points: null, max: 3, weight: 1 }], 1.5, '3 / 2'],
    // All N/A: nothing to score.
    ['percentage_simple_sum', [{ points: null, max: 3, weight: 1 }], null, 'all N/A'],
    ['numeric_simple_sum', [], null, 'no answers'],
  ];
  it.each(cases)('%s of %j is %s (%s)', (method, answers, expected) => {
    expect(score(method, answers)).toBe(expected);
  });

  it('rounds half up to 2 decimals', () => {
    expect(round2(1.005)).toBe(1.01);
    expect(round2(2 / 3)).toBe(0.67);
    expect(round2(10)).toBe(10);
  });
});

describe('evaluate', () => {
  it('scores the form over all answers and each group by the same method, with the zone that holds the result', () => {
    const zones = [
      { name: 'red', from: 0, to: 49.99 },
      { name: 'yellow', from: 50, to: 79.99 },
      { name: 'green', from: 80, to: 100 },
    ];
    const result = evaluate('percentage_simple_sum', zones, [
      { name: 'Greeting', answers: [A[0]!, A[3]!] },
      { name: 'Solution', answers: [A[1]!, A[2]!] },
    ]);
    // Form: 100·3/6 = 50; Greeting: 100·2/2 = 100 (N/A left out); Solution: 100·1/4 = 25.
    expect(result).toEqual({ score: 50, zone: 'yellow', groups: [{ name: 'Greeting', score: 100 }, { name: 'Solution', score: 25 }] });
  });

  it('gives a group whose answers are all N/A no score, and a result outside every zone no zone', () => {
    const result = evaluate('numeric_simple_sum', [{ name: 'low', from: 0, to: 1 }], [{ name: 'g1', answers: [A[0]!] }, { name: 'g2', answers: [A[3]!] }]);
    expect(result).toEqual({ score: 2, zone: null, groups: [{ name: 'g1', score: 2 }, { name: 'g2', score: null }] });
    expect(zoneOf([{ name: 'z', from: 0, to: 2 }], 2)).toBe('z');
    expect(zoneOf([{ name: 'z', from: 0, to: 2 }], null)).toBeNull();
  });
});

const criterion = (key: string, extra: Partial<Criterion> = {}): Criterion => ({ key, name: key, description: null, weight: 1, allow_na: false, options: [{ label: 'yes', points: 1 }, { label: 'no', points: 0 }], ...extra });

describe('form rules', () => {
  it('rejects a weight of 0 at the schema, with its path', () => {
    const parsed = FormInputSchema.safeParse({ name: 'F', scoring: 'numeric_weighted_average', groups: [{ name: 'G', criteria: [{ key: 'a', name: 'A', weight: 0, options: [{ label: 'yes', points: 1 }] }] }] });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => i.path)).toEqual([['groups', 0, 'criteria', 0, 'weight']]);
  });

  it('reports duplicate keys and labels, overlapping zones, and a zero highest option under a percentage method', () => {
    const problems = formProblems({
      scoring: 'percentage_simple_sum',
      groups: [
        { name: 'G1', criteria: [criterion('a'), criterion('b', { options: [{ label: 'x', points: 0 }, { label: 'x', points: 0 }] })] },
        { name: 'G2', criteria: [criterion('a')] },
      ],
      zones: [
        { name: 'low', from: 0, to: 50 },
        { name: 'high', from: 50, to: 100 },
        { name: 'upside-down', from: 10, to: 5 },
      ],
    });
    expect(problems.map((p) => [p.path, p.code])).toEqual([
      ['groups[0].criteria[1].options[1].label', 'duplicate_label'],
      ['groups[0].criteria[1].options', 'invalid_value'],
      ['groups[1].criteria[0].key', 'duplicate_key'],
      ['zones[2].to', 'invalid_value'],
      ['zones[1].from', 'zones_overlap'],
    ]);
    expect(formProblems({ scoring: 'numeric_simple_sum', groups: [{ name: 'G', criteria: [criterion('a')] }], zones: [{ name: 'low', from: 0, to: 0.99 }, { name: 'high', from: 1, to: 2 }] })).toEqual([]);
  });
});

describe('checkAnswers', () => {
  const form = { groups: [{ name: 'G', criteria: [criterion('a', { allow_na: true }), criterion('b'), criterion('c')] }] };
  it('reports each bad answer at the criterion’s path', () => {
    const { problems } = checkAnswers(form, [{ criterion: 'b', na: true }, { criterion: 'c', option: 'maybe' }, { criterion: 'zzz', option: 'yes' }]);
    expect(problems.map((p) => [p.path, p.code])).toEqual([
      ['answers[2].criterion', 'unknown_criterion'],
      ['answers.a', 'answer_required'],
      ['answers.b', 'na_not_allowed'],
      ['answers.c', 'unknown_option'],
    ]);
  });

  it('turns good answers into points in the form’s order', () => {
    const checked = checkAnswers(form, [{ criterion: 'c', option: 'no' }, { criterion: 'a', na: true, comment: 'no greeting needed' }, { criterion: 'b', option: 'yes' }]);
    expect(checked.problems).toEqual([]);
    expect(checked.answers.map((a) => [a.criterion, a.points, a.na])).toEqual([['a', null, true], ['b', 1, false], ['c', 0, false]]);
    expect(checked.groups[0]!.answers).toEqual([{ points: null, max: 1, weight: 1 }, { points: 1, max: 1, weight: 1 }, { points: 0, max: 1, weight: 1 }]);
  });

  it('looks criteria and options up by key whatever their names (__proto__, constructor)', () => {
    const odd = { groups: [{ name: 'G', criteria: [criterion('__proto__'), criterion('constructor', { options: [{ label: 'toString', points: 2 }] })] }] };
    const checked = checkAnswers(odd, [{ criterion: '__proto__', option: 'yes' }, { criterion: 'constructor', option: 'toString' }]);
    expect(checked.problems).toEqual([]);
    expect(checked.answers.map((a) => [a.criterion, a.points])).toEqual([['__proto__', 1], ['constructor', 2]]);
    expect(checkAnswers(odd, [{ criterion: 'hasOwnProperty', option: 'yes' }]).problems.map((p) => p.code)).toEqual(['unknown_criterion', 'answer_required', 'answer_required']);
  });
});
