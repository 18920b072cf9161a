// Use cases of evaluation forms: create, edit (each edit a new version; evaluations keep the version they
// were made with), read one (any version) and list. Admins write them; everyone signed in reads them.
import { formProblems, COMMUNICATION_KINDS, type CommunicationKind, type FormDefinition } from '../domain/evaluation-form.js';
import { NotFound, Unprocessable } from '../domain/errors.js';
import type { ScoringMethod } from '../domain/scoring.js';
import { findForm, insertForm, insertVersion, listForms, nextVersion, type FormRecord } from '../db/repositories/evaluation-forms.js';
import type { Executor } from '../db/repositories/executor.js';
import type { Departments } from './departments.js';

export interface FormInput {
  name: string;
  scoring: ScoringMethod;
  groups: Array<{
    name: string;
    criteria: Array<{ key: string; name: string; description?: string | undefined; weight?: number | undefined; allow_na?: boolean | undefined; options: Array<{ label: string; points: number }> }>;
  }>;
  zones?: Array<{ name: string; from: number; to: number }> | undefined;
  kinds?: CommunicationKind[] | undefined;
  department_ids?: string[] | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const formView = (row: FormRecord) => ({
  id: row.id,
  version: row.version,
  name: row.name,
  scoring: row.scoring,
  groups: row.groups,
  zones: row.zones,
  kinds: row.kinds,
  department_ids: row.department_ids,
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
});
export type FormView = ReturnType<typeof formView>;

export class EvaluationForms {
  constructor(
    private readonly db: Executor,
    private readonly departments: Departments,
  ) {}

  async create(input: FormInput): Promise<FormView> {
    const definition = await this.definition(input);
    const id = await this.db.transaction().execute(async (trx) => {
      const id = await insertForm(trx);
      await insertVersion(trx, id, 1, definition);
      return id;
    });
    return this.get(id);
  }

  /** Saves the input as the form's next version. */
  async update(id: string, input: FormInput): Promise<FormView> {
    await this.find(id);
    const definition = await this.definition(input);
    await this.db.transaction().execute(async (trx) => {
      const version = await nextVersion(trx, id);
      if (version === undefined) throw new NotFound('evaluation form', 'evaluation_form_not_found');
      await insertVersion(trx, id, version, definition);
    });
    return this.get(id);
  }

  async get(id: string, version?: number): Promise<FormView> {
    return formView(await this.find(id, version));
  }

  async list(): Promise<{ items: FormView[] }> {
    return { items: (await listForms(this.db, 1000)).map(formView) };
  }

  /** The form (a version of it); 404 evaluation_form_not_found when there is none. */
  async find(id: string, version?: number): Promise<FormRecord> {
    const row = UUID.test(id) ? await findForm(this.db, id, version) : undefined;
    if (!row) throw new NotFound('evaluation form', 'evaluation_form_not_found');
    return row;
  }

  /** The input with its defaults filled in, checked against the form rules and the departments there are. */
  private async definition(input: FormInput): Promise<FormDefinition> {
    const definition: FormDefinition = {
      name: input.name,
      scoring: input.scoring,
      groups: input.groups.map((g) => ({
        name: g.name,
        criteria: g.criteria.map((c) => ({ key: c.key, name: c.name, description: c.description ?? null, weight: c.weight ?? 1, allow_na: c.allow_na ?? false, options: c.options })),
      })),
      zones: input.zones ?? [],
      kinds: input.kinds ?? [...COMMUNICATION_KINDS],
      department_ids: input.department_ids ?? [],
    };
    const problems = formProblems(definition);
    if (problems.length > 0) throw new Unprocessable('validation_failed', 'the form breaks the form rules', problems);
    for (const [i, id] of definition.department_ids.entries()) await this.departments.mustExist(id, `department_ids[${i}]`);
    return definition;
  }
}
