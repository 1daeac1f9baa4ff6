/**
 * Exponential backoff with jitter between attempts. The delay before attempt n+1 is
 * `min(maxDelayMs, baseDelayMs · 2^(n-1))`, of which a random half is taken away ("equal
 * jitter", AWS Architecture Blog, "Exponential Backoff And Jitter"): retries of many messages
 * that failed together spread out instead of hitting a recovering receiver at the same instant,
 * and no delay falls below half its step.
 */
export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Milliseconds to wait after failed attempt `attempt` (1-based); `random` is uniform in [0, 1). */
export function retryDelayMs(attempt: number, policy: RetryPolicy, random: () => number): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + random() * (step / 2));
}
