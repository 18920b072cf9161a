// The AccessScope as SQL: every repository read or write of clients, tags, attributes and communications
// filters its integration_id column through one of these, so a row outside the scope is never touched.
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { AccessScope } from '../../domain/access-scope.js';

/** Rows owned by an integration of the scope (for `all`: every row, those owned by none included). */
export function ownedInScope(column: string, scope: AccessScope): RawBuilder<SqlBool> {
  if (scope.kind === 'all') return sql<SqlBool>`true`;
  if (scope.ids.length === 0) return sql<SqlBool>`false`;
  return sql<SqlBool>`${sql.ref(column)} = ANY(${[...scope.ids]}::uuid[])`;
}

/** Dictionary entries (tags, attribute definitions) the scope may use: its own and the shared ones (owned by none). */
export function visibleInScope(column: string, scope: AccessScope): RawBuilder<SqlBool> {
  if (scope.kind === 'all') return sql<SqlBool>`true`;
  return sql<SqlBool>`(${sql.ref(column)} IS NULL OR ${ownedInScope(column, scope)})`;
}

/**
 * Communications the scope may read: owned by an integration of the scope and, for a scope limited to
 * operators (supervisors, operator users), posted under one of them. Every read of communications goes through this.
 */
export function communicationReadable(scope: AccessScope, alias?: string): RawBuilder<SqlBool> {
  const column = (name: string) => (alias ? `${alias}.${name}` : name);
  const owned = ownedInScope(column('integration_id'), scope);
  if (scope.operatorIds === undefined) return owned;
  return sql<SqlBool>`(${owned} AND ${sql.ref(column('operator_id'))} = ANY(${[...scope.operatorIds]}::uuid[]))`;
}
