// An evaluation form's definition and the rules a saved one keeps: criterion keys unique in the form, option
// labels unique in their criterion, zones that do not overlap, and a highest option above 0 wherever a
// percentage method divides by it. Pure; the API schema reports the problems at their paths.
import type { ErrorDetail } from './errors.js';
import { isPercentage, type ScoringMethod, type Zone } from './scoring.js';

export const COMMUNICATION_KINDS = ['call', 'chat'] as const;
export type CommunicationKind = (typeof COMMUNICATION_KINDS)[number];

export interface CriterionOption {
  label: string;
  points: number;
}

export interface Criterion {
  key: string;
  name: string;
  description: string | null;
  weight: number;
  allow_na: boolean;
  options: CriterionOption[];
}

export interface CriteriaGroup {
  name: string;
  criteria: Criterion[];
}

export interface FormDefinition {
  name: string;
  scoring: ScoringMethod;
  groups: CriteriaGroup[];
  zones: Zone[];
  kinds: CommunicationKind[];
  department_ids: string[];
}

type Shape = Pick<FormDefinition, 'scoring' | 'groups' | 'zones'>;

/** What breaks the rules, one detail per path (empty when the form may be saved). */
export function formProblems(form: Shape): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  const keys = new Set<string>();
  form.groups.forEach((group, g) =>
    group.criteria.forEach((criterion, c) => {
      const path = `groups[${g}].criteria[${c}]`;
      if (keys.has(criterion.key)) problems.push({ path: `${path}.key`, code: 'duplicate_key', message: `criterion key "${criterion.key}" is used twice in the form` });
      keys.add(criterion.key);
      const labels = new Set<string>();
      criterion.options.forEach((option, o) => {
        if (labels.has(option.label)) problems.push({ path: `${path}.options[${o}].label`, code: 'duplicate_label', message: `option "${option.label}" is listed twice` });
        labels.add(option.label);
      });
      if (isPercentage(form.scoring) && Math.max(...criterion.options.map((o) => o.points)) <= 0) {
        problems.push({ path: `${path}.options`, code: 'invalid_value', message: 'a percentage method needs a highest option above 0 points' });
      }
    }),
  );
  const zones = form.zones.map((zone, i) => ({ zone, i }));
  for (const { zone, i } of zones) if (zone.from > zone.to) problems.push({ path: `zones[${i}].to`, code: 'invalid_value', message: '"to" must not be below "from"' });
  const sorted = zones.filter(({ zone }) => zone.from <= zone.to).sort((a, b) => a.zone.from - b.zone.from);
  for (let k = 1; k < sorted.length; k++) {
    const [before, after] = [sorted[k - 1]!, sorted[k]!];
    if (after.zone.from <= before.zone.to) problems.push({ path: `zones[${after.i}].from`, code: 'zones_overlap', message: `overlaps zone "${before.zone.name}" ([${before.zone.from}, ${before.zone.to}])` });
  }
  return problems;
}

/** The criterion's highest option (what percentage methods divide by). */
export const maxPoints = (criterion: Criterion): number => Math.max(...criterion.options.map((o) => o.points));
