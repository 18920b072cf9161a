// Passwords: hashed with argon2id (OWASP's minimum parameters: 19 MiB, 2 passes), verified in constant
// time; an unknown account is checked against a dummy hash so that it answers as slowly as a wrong password.
import { hash, verify } from '@node-rs/argon2';

/** The library's default algorithm is argon2id (its Algorithm enum is const, so it is not named here). */
const OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 200;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

let dummy: Promise<string> | undefined;

/** Checks a password against its stored hash; with no hash (unknown or unset) spends the same time and fails. */
export async function passwordMatches(password: string, stored: string | null): Promise<boolean> {
  if (stored === null) {
    dummy ??= hashPassword('earshot-dummy-password');
    await verify(await dummy, password).catch(() => false);
    return false;
  }
  return verify(stored, password).catch(() => false);
}
