// Which integrations' clients, tags, attributes and communications a caller may see: all of them (the admin
// token) or those of the integrations its token belongs to; and, for supervisors and operator users, which
// operators' communications (a supervisor: the operators of its departments and their sub-departments; an
// operator user: its own operator record). Pure; the repositories and search adapters turn it into queries.
type IntegrationPart = { readonly kind: 'all' } | { readonly kind: 'integrations'; readonly ids: readonly string[] };

export type AccessScope = IntegrationPart & {
  /** Only communications posted under these operators; absent: every operator's (and those of none). */
  readonly operatorIds?: readonly string[];
};

export const ALL_INTEGRATIONS: AccessScope = { kind: 'all' };

export function integrationScope(...ids: string[]): AccessScope {
  return { kind: 'integrations', ids: [...new Set(ids)] };
}

/** The scope limited to the communications of these operators. */
export function operatorScope(scope: AccessScope, operatorIds: readonly string[]): AccessScope {
  return { ...scope, operatorIds: [...new Set(operatorIds)] };
}

/** Whether a row owned by `integrationId` is inside the scope (a row owned by none: only for `all`). */
export function scopeIncludes(scope: AccessScope, integrationId: string | null): boolean {
  return scope.kind === 'all' || (integrationId !== null && scope.ids.includes(integrationId));
}

/** The scope narrowed to one integration when the caller names one (`?integration_id=`); empty when outside. */
export function narrowScope(scope: AccessScope, integrationId: string | undefined): AccessScope {
  if (integrationId === undefined) return scope;
  const narrowed = integrationScope(...(scopeIncludes(scope, integrationId) ? [integrationId] : []));
  return scope.operatorIds === undefined ? narrowed : operatorScope(narrowed, scope.operatorIds);
}

/** The one integration a new client of this scope belongs to, when the scope names exactly one. */
export function soleIntegration(scope: AccessScope): string | undefined {
  return scope.kind === 'integrations' && scope.ids.length === 1 ? scope.ids[0] : undefined;
}
