// Qolio's six ways to compute an evaluation's result (API.md "Quality evaluation"), per form and per group,
// and the zone a result falls in. Pure: the answers come in with their points, the criterion's highest
// option and its weight; an N/A answer (points null) is left out of both sums.
export const SCORING_METHODS = [
  'numeric_simple_sum',
  'numeric_simple_average',
  'numeric_weighted_average',
  'percentage_simple_sum',
  'percentage_simple_average',
  'percentage_weighted_average',
] as const;
export type ScoringMethod = (typeof SCORING_METHODS)[number];

export const isPercentage = (method: ScoringMethod): boolean => method.startsWith('percentage_');

export interface ScoredAnswer {
  /** The chosen option's points; null for N/A. */
  points: number | null;
  /** The criterion's highest option. */
  max: number;
  weight: number;
}

export interface Zone {
  name: string;
  from: number;
  to: number;
}

/** Rounded half up to 2 decimals (EPSILON keeps 1.005 from landing on 1.00). */
export const round2 = (value: number): number => Math.round((value + Math.sign(value) * Number.EPSILON) * 100) / 100;

/** The result of the answers by the method, rounded to 2 decimals; null when every answer is N/A (or none). */
export function score(method: ScoringMethod, answers: readonly ScoredAnswer[]): number | null {
  const answered = answers.filter((a): a is ScoredAnswer & { points: number } => a.points !== null);
  if (answered.length === 0) return null;
  const sum = (f: (a: ScoredAnswer & { points: number }) => number) => answered.reduce((total, a) => total + f(a), 0);
  const n = answered.length;
  switch (method) {
    case 'numeric_simple_sum':
      return round2(sum((a) => a.points));
    case 'numeric_simple_average':
      return round2(sum((a) => a.points) / n);
    case 'numeric_weighted_average':
      return round2(sum((a) => a.weight * a.points) / sum((a) => a.weight));
    case 'percentage_simple_sum':
      return round2((100 * sum((a) => a.points)) / sum((a) => a.max));
    case 'percentage_simple_average':
      return round2((100 / n) * sum((a) => a.points / a.max));
    case 'percentage_weighted_average':
      return round2((100 * sum((a) => a.weight * (a.points / a.max))) / sum((a) => a.weight));
  }
}

/** The zone whose [from, to] holds the result; null when none does (or there is no result). */
export function zoneOf(zones: readonly Zone[], result: number | null): string | null {
  if (result === null) return null;
  return zones.find((z) => z.from <= result && result <= z.to)?.name ?? null;
}

export interface GroupAnswers {
  name: string;
  answers: readonly ScoredAnswer[];
}

export interface Result {
  score: number | null;
  zone: string | null;
  groups: Array<{ name: string; score: number | null }>;
}

/** The form's result over all its answers, its zone, and each group's own result by the same method. */
export function evaluate(method: ScoringMethod, zones: readonly Zone[], groups: readonly GroupAnswers[]): Result {
  const total = score(method, groups.flatMap((g) => g.answers));
  return { score: total, zone: zoneOf(zones, total), groups: groups.map((g) => ({ name: g.name, score: score(method, g.answers) })) };
}
