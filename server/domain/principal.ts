// Who is making a request: the owner's admin token (break-glass, admin rights), a signed-in user (by a
// session or personal token) with a role, or an integration's token (PBXes and chat platforms).
export const ROLES = ['admin', 'supervisor', 'operator'] as const;
export type Role = (typeof ROLES)[number];

export const LOCALES = ['ru', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

export interface UserPrincipal {
  type: 'user';
  id: string;
  email: string;
  name: string;
  role: Role;
  /** The departments the user was given (a supervisor's scope adds their sub-departments). */
  departmentIds: string[];
  /** An operator user's operator record: its own communications are the ones posted under it. */
  operatorId: string | null;
  locale: Locale | null;
}

export type Principal = { type: 'admin_token' } | UserPrincipal | { type: 'integration'; id: string };

/** True when the principal may use admin routes: the admin token or a user with the admin role. */
export const isAdmin = (p: Principal): boolean => p.type === 'admin_token' || (p.type === 'user' && p.role === 'admin');
