// The one rule of who may read, evaluate and comment on which communications in quality evaluation: every
// evaluation use case asks `evaluationScope` and reads through the AccessScope it answers, so a
// communication (or evaluation) outside it is not found — exactly like one that does not exist.
import { operatorScope, type AccessScope } from '../domain/access-scope.js';
import type { Principal } from '../domain/principal.js';

export type EvaluationAction = 'read' | 'evaluate' | 'comment';

/**
 * The communications `principal` may `action` within the request's scope (the role and department scope
 * principalOf computed: admins everything, a supervisor its departments and their sub-departments, an
 * operator user its own). Supervisors read, evaluate and comment within it; operator users only read
 * (their own evaluations), so for them evaluating and commenting reach nothing.
 */
export function evaluationScope(principal: Principal, requestScope: AccessScope, action: EvaluationAction): AccessScope {
  if (principal.type === 'user' && principal.role === 'operator' && action !== 'read') return operatorScope(requestScope, []);
  return requestScope;
}
