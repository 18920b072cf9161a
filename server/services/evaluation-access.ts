// The one rule of who may read, evaluate and comment on which communications in quality evaluation: every
// evaluation use case asks `evaluationScope` and reads through the AccessScope it answers, so a
// communication (or evaluation) outside it is not found — exactly like one that does not exist.
import { operatorScope, type AccessScope } from '../domain/access-scope.js';
import { isAdmin, type Principal } from '../domain/principal.js';

export type EvaluationAction = 'read' | 'evaluate' | 'comment';

/** Nothing: no operator's communications. */
const NOTHING = (scope: AccessScope): AccessScope => operatorScope(scope, []);

/**
 * The communications `principal` may `action` within the request's scope. The admin token and admin users:
 * the request's scope (every communication). Supervisors and operator users: nothing yet — a placeholder
 * until this is wired to their department / own-operator scope (API.md: a supervisor reads and evaluates
 * within its scope, an operator reads its own evaluations), so until then they get 404 and nothing leaks.
 */
export function evaluationScope(principal: Principal, requestScope: AccessScope, action: EvaluationAction): AccessScope {
  if (isAdmin(principal)) return requestScope;
  void action;
  return NOTHING(requestScope);
}
