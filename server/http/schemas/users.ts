// People, roles and access (API.md): users, sign-in, personal tokens.
import { z } from '@hono/zod-openapi';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../domain/passwords.js';
import { LOCALES, ROLES } from '../../domain/principal.js';
import { ImportReportSchema } from './admin.js';
import { absent, requiredText, uuid } from './common.js';

const email = z.email().max(320);
const password = z.string().min(PASSWORD_MIN_LENGTH, `at least ${PASSWORD_MIN_LENGTH} characters`).max(PASSWORD_MAX_LENGTH);
const departmentIds = z.array(uuid).max(100).refine((ids) => new Set(ids).size === ids.length, 'each department once');

export const CreateUserSchema = z
  .object({
    email,
    name: requiredText(),
    role: z.enum(ROLES),
    department_ids: absent(departmentIds),
    operator_id: uuid.nullish().openapi({ description: "An operator's id; required for role operator" }),
    locale: absent(z.enum(LOCALES)),
    password: absent(password).openapi({ description: 'Without it the answer carries a one-time invite_url (7 days)' }),
  })
  .strict()
  .superRefine((user, ctx) => {
    if (user.role === 'operator' && !user.operator_id) ctx.addIssue({ code: 'custom', path: ['operator_id'], message: 'required for role operator' });
  })
  .openapi('CreateUser');

export const PatchUserSchema = z
  .object({
    email: absent(email),
    name: absent(requiredText()),
    role: absent(z.enum(ROLES)),
    department_ids: absent(departmentIds),
    operator_id: uuid.nullish(),
    locale: z.enum(LOCALES).nullish(),
    password: absent(password),
    active: absent(z.boolean().openapi({ description: 'false ends the user’s sessions and tokens at once' })),
  })
  .strict()
  .openapi('PatchUser');

export const UserSchema = z
  .object({
    id: uuid,
    email: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    department_ids: z.array(uuid),
    operator_id: uuid.nullable(),
    locale: z.enum(LOCALES).nullable(),
    active: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('User');

export const CreatedUserSchema = UserSchema.extend({ invite_url: z.string().optional().openapi({ description: 'One-time link where the person sets a password (valid 7 days)' }) }).openapi('CreatedUser');

export const UserListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(320).optional(),
});

export const LoginSchema = z.object({ email: z.string().max(320), password: z.string().max(PASSWORD_MAX_LENGTH) }).strict().openapi('Login');
export const AcceptInviteSchema = z.object({ token: z.string().min(1).max(200), password }).strict().openapi('AcceptInvite');
export const SignedInSchema = z.object({ user: UserSchema, token: z.string().openapi({ description: 'A session token (12 h)' }) }).openapi('SignedIn');

export const CreateTokenSchema = z
  .object({ name: requiredText(100), expires_in_days: absent(z.number().int().min(1).max(3650)) })
  .strict()
  .openapi('CreatePersonalToken');

export const PersonalTokenSchema = z
  .object({ id: uuid, name: z.string().nullable(), created_at: z.string(), expires_at: z.string().nullable(), last_used_at: z.string().nullable() })
  .openapi('PersonalToken');

export const CreatedTokenSchema = PersonalTokenSchema.extend({ token: z.string().openapi({ description: 'Shown only in this answer; stored hashed' }) }).openapi('CreatedPersonalToken');

export const UserImportReportSchema = ImportReportSchema.extend({
  invites: z.array(z.object({ email: z.string(), invite_url: z.string() })).openapi({ description: 'One-time invite links of the users created' }),
}).openapi('UserImportReport');
