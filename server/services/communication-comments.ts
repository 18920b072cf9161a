// Use cases of comments on a call or chat: pin one to a moment of the recording with a flag, and read them
// — within `evaluationScope`, so a communication outside it is not found.
import type { AccessScope } from '../domain/access-scope.js';
import { NotFound } from '../domain/errors.js';
import type { Principal } from '../domain/principal.js';
import { insertComment, listComments, type CommentRecord } from '../db/repositories/communication-comments.js';
import { findEvaluable } from '../db/repositories/evaluations.js';
import type { Executor } from '../db/repositories/executor.js';
import { evaluationScope, type EvaluationAction } from './evaluation-access.js';

export interface CommentInput {
  text: string;
  at_seconds?: number | undefined;
  flag?: 'red' | 'yellow' | 'green' | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LIST_LIMIT = 1000;

export class CommunicationComments {
  constructor(private readonly db: Executor) {}

  async add(principal: Principal, scope: AccessScope, communicationId: string, input: CommentInput) {
    await this.mustSee(principal, scope, communicationId, 'comment');
    const id = await insertComment(this.db, {
      communication_id: communicationId,
      author_type: principal.type === 'user' ? 'user' : 'admin_token',
      author_id: principal.type === 'user' ? principal.id : null,
      text: input.text,
      at_seconds: input.at_seconds ?? null,
      flag: input.flag ?? null,
    });
    const [row] = await listComments(this.db, communicationId, { limit: 1, id });
    return commentView(row!);
  }

  /** The communication's comments in the order they were made (the first 1000). */
  async list(principal: Principal, scope: AccessScope, communicationId: string) {
    await this.mustSee(principal, scope, communicationId, 'read');
    return { items: (await listComments(this.db, communicationId, { limit: LIST_LIMIT })).map(commentView) };
  }

  private async mustSee(principal: Principal, scope: AccessScope, id: string, action: EvaluationAction): Promise<void> {
    if (!(UUID.test(id) && (await findEvaluable(this.db, evaluationScope(principal, scope, action), id)))) throw new NotFound('communication', 'communication_not_found');
  }
}

function commentView(row: CommentRecord) {
  return {
    id: row.id,
    communication_id: row.communication_id,
    author: row.author_type === 'user' ? { type: 'user' as const, id: row.author_id, email: row.author_email!, name: row.author_name! } : { type: 'admin_token' as const, id: null },
    text: row.text,
    at_seconds: row.at_seconds,
    flag: row.flag,
    created_at: row.created_at.toISOString(),
  };
}
