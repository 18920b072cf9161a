// Which integrations' clients, tags, attributes and communications a caller may see: all of them (the admin
// token) or those of the integrations its token belongs to. Pure; the repositories turn it into SQL.
export type AccessScope = { readonly kind: 'all' } | { readonly kind: 'integrations'; readonly ids: readonly string[] };

export const ALL_INTEGRATIONS: AccessScope = { kind: 'all' };

export function integrationScope(...ids: string[]): AccessScope {
  return { kind: 'integrations', ids: [...new Set(ids)] };
}

/** Whether a row owned by `integrationId` is inside the scope (a row owned by none: only for `all`). */
export function scopeIncludes(scope: AccessScope, integrationId: string | null): boolean {
  return scope.kind === 'all' || (integrationId !== null && scope.ids.includes(integrationId));
}

/** The scope narrowed to one integration when the caller names one (`?integration_id=`); empty when outside. */
export function narrowScope(scope: AccessScope, integrationId: string | undefined): AccessScope {
  if (integrationId === undefined) return scope;
  return integrationScope(...(scopeIncludes(scope, integrationId) ? [integrationId] : []));
}

/** The one integration a new client of this scope belongs to, when the scope names exactly one. */
export function soleIntegration(scope: AccessScope): string | undefined {
  return scope.kind === 'integrations' && scope.ids.length === 1 ? scope.ids[0] : undefined;
}
