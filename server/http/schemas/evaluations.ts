// Quality evaluation (API.md): forms, evaluations of a call or chat, scores list, comments with flags.
import { z } from '@hono/zod-openapi';
import { CUSTOM_FIELD_KEY } from '../../domain/custom-field-types.js';
import { COMMUNICATION_KINDS } from '../../domain/evaluation-form.js';
import { SCORING_METHODS } from '../../domain/scoring.js';
import { absent, requiredText, text, uuid } from './common.js';

const points = z.number().min(0).max(1_000_000);
const bound = z.number().min(-1_000_000).max(1_000_000);

const OptionSchema = z.object({ label: requiredText(200), points }).strict();
const CriterionSchema = z
  .object({
    key: z.string().regex(CUSTOM_FIELD_KEY, '1–64 letters, digits, _ or -'),
    name: requiredText(),
    description: absent(text(2000)),
    weight: absent(z.number().gt(0, 'a weight must be above 0').max(1000)),
    allow_na: absent(z.boolean()),
    options: z.array(OptionSchema).min(1).max(50),
  })
  .strict();
const GroupSchema = z.object({ name: requiredText(), criteria: z.array(CriterionSchema).min(1).max(200) }).strict();
const ZoneSchema = z.object({ name: requiredText(100), from: bound, to: bound }).strict();

const uniqueIds = z.array(uuid).max(100).refine((ids) => new Set(ids).size === ids.length, 'each department once');
const kinds = z.array(z.enum(COMMUNICATION_KINDS)).min(1).refine((k) => new Set(k).size === k.length, 'each kind once');

export const FormInputSchema = z
  .object({
    name: requiredText(),
    scoring: z.enum(SCORING_METHODS),
    groups: z.array(GroupSchema).min(1).max(50),
    zones: absent(z.array(ZoneSchema).max(20)),
    kinds: absent(kinds).openapi({ description: 'Default: both call and chat' }),
    department_ids: absent(uniqueIds).openapi({ description: "The form applies to these departments' communications (and their sub-departments are not included); empty or absent: every department" }),
  })
  .strict()
  .openapi('EvaluationFormInput');

export const FormSchema = z
  .object({
    id: uuid,
    version: z.number().int(),
    name: z.string(),
    scoring: z.enum(SCORING_METHODS),
    groups: z.array(
      z.object({
        name: z.string(),
        criteria: z.array(z.object({ key: z.string(), name: z.string(), description: z.string().nullable(), weight: z.number(), allow_na: z.boolean(), options: z.array(z.object({ label: z.string(), points: z.number() })) })),
      }),
    ),
    zones: z.array(z.object({ name: z.string(), from: z.number(), to: z.number() })),
    kinds: z.array(z.enum(COMMUNICATION_KINDS)),
    department_ids: z.array(uuid),
    created_at: z.string().openapi({ description: 'When the form was first saved' }),
    updated_at: z.string().openapi({ description: 'When this version was saved' }),
  })
  .openapi('EvaluationForm');

export const FormVersionQuery = z.object({ version: z.coerce.number().int().min(1).max(1_000_000).optional().openapi({ description: 'An older version (default: the newest)' }) });

const AnswerSchema = z
  .object({
    criterion: z.string().max(64),
    option: absent(z.string().max(200)).openapi({ description: "The chosen option's label" }),
    na: absent(z.boolean()),
    comment: absent(text(4000)),
  })
  .strict();

export const EvaluateSchema = z
  .object({ form_id: uuid, answers: z.array(AnswerSchema).max(1000), comment: absent(text(4000)) })
  .strict()
  .openapi('Evaluate');

const PersonSchema = z.object({ type: z.enum(['user', 'admin_token']), id: uuid.nullable(), email: z.string().optional(), name: z.string().optional() });

export const EvaluationSchema = z
  .object({
    id: uuid,
    communication_id: uuid,
    operator: z.object({ id: uuid, external_id: z.string(), first_name: z.string().nullable(), last_name: z.string().nullable() }).nullable(),
    department_id: uuid.nullable(),
    evaluator: PersonSchema.openapi({ description: 'A user ({type: "user", id, email, name}) or the owner’s admin token ({type: "admin_token", id: null})' }),
    form: z.object({ id: uuid, version: z.number().int(), name: z.string() }),
    result: z.object({ score: z.number(), zone: z.string().nullable(), groups: z.array(z.object({ name: z.string(), score: z.number().nullable() })) }),
    answers: z.array(z.object({ criterion: z.string(), option: z.string().nullable(), points: z.number().nullable(), na: z.boolean(), comment: z.string().nullable() })),
    comment: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi('Evaluation');

export const EvaluationListQuery = z.object({
  operator_id: uuid.optional(),
  department_id: uuid.optional(),
  form_id: uuid.optional(),
  evaluator_id: uuid.optional().openapi({ description: "The evaluating user's id" }),
  communication_id: uuid.optional(),
  from: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Evaluations made at or after (ISO 8601)' }),
  to: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Evaluations made before (ISO 8601)' }),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().regex(/^\d{1,18}$/, 'a next_cursor').optional().openapi({ description: 'next_cursor of the previous page' }),
});

export const CommentInputSchema = z
  .object({
    text: requiredText(4000),
    at_seconds: absent(z.number().min(0).max(86_400 * 7).openapi({ description: 'The moment of the recording the comment is pinned to' })),
    flag: absent(z.enum(['red', 'yellow', 'green'])),
  })
  .strict()
  .openapi('CommentInput');

export const CommentSchema = z
  .object({ id: uuid, communication_id: uuid, author: PersonSchema, text: z.string(), at_seconds: z.number().nullable(), flag: z.enum(['red', 'yellow', 'green']).nullable(), created_at: z.string() })
  .openapi('Comment');
