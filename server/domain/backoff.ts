// Retry schedule: exponential with full jitter, capped, so a failing consumer neither hammers nor stalls.

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
  /** After this many attempts the work is given up (dead) instead of rescheduled. */
  maxAttempts: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 15 * 60_000, maxAttempts: 20 };

/** Delay before attempt `attempts + 1`, given `attempts` made so far (≥ 1); `random` in [0, 1). */
export function backoffDelayMs(attempts: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: number = Math.random()): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}

export const exhausted = (attempts: number, policy: BackoffPolicy = DEFAULT_BACKOFF): boolean => attempts >= policy.maxAttempts;
