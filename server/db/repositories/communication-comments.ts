// Comments on a call or chat, pinned to a moment of the recording, with a red, yellow or green flag.
import type { Executor } from './executor.js';

export interface NewComment {
  communication_id: string;
  author_type: 'user' | 'admin_token';
  author_id: string | null;
  text: string;
  at_seconds: number | null;
  flag: 'red' | 'yellow' | 'green' | null;
}

export async function insertComment(db: Executor, values: NewComment): Promise<string> {
  return (await db.insertInto('communication_comments').values(values).returning('id').executeTakeFirstOrThrow()).id;
}

/** A communication's comments in the order they were made (at most `limit`); with `id`, that one only. */
export function listComments(db: Executor, communicationId: string, options: { limit: number; id?: string }) {
  let query = db
    .selectFrom('communication_comments as m')
    .leftJoin('users as u', 'u.id', 'm.author_id')
    .select(['m.id', 'm.communication_id', 'm.author_type', 'm.author_id', 'u.email as author_email', 'u.name as author_name', 'm.text', 'm.at_seconds', 'm.flag', 'm.created_at'])
    .where('m.communication_id', '=', communicationId)
    .orderBy('m.created_at')
    .orderBy('m.id')
    .limit(options.limit);
  if (options.id !== undefined) query = query.where('m.id', '=', options.id);
  return query.execute();
}

export type CommentRecord = Awaited<ReturnType<typeof listComments>>[number];
