// The executor repositories take: the Kysely instance or a transaction opened by a service.
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

export type Executor = Kysely<Database>;
