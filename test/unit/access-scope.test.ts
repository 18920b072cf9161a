// The AccessScope rules: what a scope includes, how ?integration_id= narrows it, and who owns new entries.
import { describe, expect, it } from 'vitest';
import { ALL_INTEGRATIONS, integrationScope, narrowScope, operatorScope, scopeIncludes, soleIntegration } from '../../server/domain/access-scope.js';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';

describe('AccessScope', () => {
  it('includes every row for the admin token, only its integrations otherwise, and a row of no integration only for all', () => {
    expect(scopeIncludes(ALL_INTEGRATIONS, B)).toBe(true);
    expect(scopeIncludes(ALL_INTEGRATIONS, null)).toBe(true);
    expect(scopeIncludes(integrationScope(A), A)).toBe(true);
    expect(scopeIncludes(integrationScope(A), B)).toBe(false);
    expect(scopeIncludes(integrationScope(A), null)).toBe(false);
  });

  it('narrows to a named integration inside the scope, and to nothing outside it', () => {
    expect(narrowScope(ALL_INTEGRATIONS, undefined)).toEqual(ALL_INTEGRATIONS);
    expect(narrowScope(ALL_INTEGRATIONS, B)).toEqual(integrationScope(B));
    expect(narrowScope(integrationScope(A), A)).toEqual(integrationScope(A));
    expect(narrowScope(integrationScope(A), B)).toEqual({ kind: 'integrations', ids: [] });
  });

  it('names the owner of new entries only when the scope holds exactly one integration', () => {
    expect(soleIntegration(integrationScope(A, A))).toBe(A);
    expect(soleIntegration(integrationScope(A, B))).toBeUndefined();
    expect(soleIntegration(ALL_INTEGRATIONS)).toBeUndefined();
    expect(soleIntegration(narrowScope(integrationScope(A), B))).toBeUndefined();
  });

  it('keeps a supervisor’s or operator user’s operators when ?integration_id= narrows the scope', () => {
    const supervisor = operatorScope(ALL_INTEGRATIONS, [A, B, A]);
    expect(supervisor).toEqual({ kind: 'all', operatorIds: [A, B] });
    expect(narrowScope(supervisor, B)).toEqual({ kind: 'integrations', ids: [B], operatorIds: [A, B] });
    expect(narrowScope(operatorScope(integrationScope(A), []), B)).toEqual({ kind: 'integrations', ids: [], operatorIds: [] });
  });
});
