// Admin request and response schemas: integrations, departments, operators, custom fields.
import { z } from '@hono/zod-openapi';
import { CUSTOM_FIELD_KEY, CUSTOM_FIELD_TYPES } from '../../domain/custom-field-types.js';
import { isValidTimeZone } from '../../domain/timestamps.js';
import { absent, requiredText, text, uuid } from './common.js';

export const CreateIntegrationSchema = z
  .object({
    name: requiredText(),
    default_timezone: z.string().max(64).refine(isValidTimeZone, 'must be an IANA time zone such as Europe/Moscow').nullish(),
  })
  .openapi('CreateIntegration');

export const IntegrationSchema = z
  .object({
    id: uuid,
    name: z.string(),
    kind: z.string(),
    default_timezone: z.string().nullable(),
    active: z.boolean(),
    phone_calls_url: z.string(),
    chats_url: z.string(),
    created_at: z.string(),
  })
  .openapi('Integration');

export const IntegrationWithTokenSchema = IntegrationSchema.extend({
  token: z.string().openapi({ description: 'Shown only in this answer; stored hashed' }),
}).openapi('IntegrationWithToken');

export const CreateDepartmentSchema = z.object({ name: requiredText(), parent_id: uuid.nullish() }).openapi('CreateDepartment');
export const DepartmentSchema = z
  .object({ id: uuid, name: z.string(), parent_id: uuid.nullable(), created_at: z.string() })
  .openapi('Department');

const email = z.email().max(320);
export const CreateOperatorSchema = z
  .object({
    external_id: requiredText().openapi({ description: 'ID in the integrated system: an email, an AD id, a PBX extension' }),
    email: email.nullish(),
    first_name: text().nullish(),
    last_name: text().nullish(),
    department_id: uuid.nullish(),
    active: absent(z.boolean()),
  })
  .openapi('CreateOperator');
export const PatchOperatorSchema = CreateOperatorSchema.partial().openapi('PatchOperator');
export const OperatorSchema = z
  .object({
    id: uuid,
    external_id: z.string(),
    email: z.string().nullable(),
    first_name: z.string().nullable(),
    last_name: z.string().nullable(),
    department_id: uuid.nullable(),
    active: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Operator');
export const OperatorListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  after: z.string().max(255).optional().openapi({ description: 'next_cursor of the previous page' }),
});
export const ImportReportSchema = z
  .object({
    created: z.number(),
    updated: z.number(),
    errors: z.array(z.object({ line: z.number(), message: z.string() })),
  })
  .openapi('OperatorImportReport');

const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
export const CustomFieldKey = z
  .string()
  .regex(CUSTOM_FIELD_KEY, '1–64 letters, digits, _ or -')
  .refine((k) => !RESERVED_KEYS.has(k), 'this key is reserved');
const options = z.array(requiredText(255)).min(1).max(1000);

export const DefineCustomFieldSchema = z
  .object({
    key: CustomFieldKey,
    name: requiredText(),
    type: z.enum(CUSTOM_FIELD_TYPES),
    options: absent(options),
    used_for_filtering: absent(z.boolean()),
    used_for_evaluation: absent(z.boolean()),
  })
  .openapi('DefineCustomField');
export const PatchCustomFieldSchema = z
  .object({
    name: absent(requiredText()),
    type: absent(z.string()).openapi({ description: 'Accepted only if unchanged' }),
    options: absent(options).openapi({ description: 'Enum options; existing ones must stay' }),
    used_for_filtering: absent(z.boolean()),
    used_for_evaluation: absent(z.boolean()),
  })
  .openapi('PatchCustomField');
export const CustomFieldSchema = z
  .object({
    key: z.string(),
    name: z.string(),
    type: z.enum(CUSTOM_FIELD_TYPES),
    options: z.array(z.string()).nullable(),
    used_for_filtering: z.boolean(),
    used_for_evaluation: z.boolean(),
    archived: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('CustomField');
