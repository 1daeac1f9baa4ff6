/**
 * Every role an account or token can hold, in one order: the server's access policy
 * (web/server/auth/policy.ts) gives each its permissions, the administration page offers them.
 */
export const ROLES = [
  'admin',
  'operator',
  'dispatcher',
  'analyst',
  'leader',
  'display',
  'warning_feed',
  'department',
  'hotline',
  'field',
] as const;
export type Role = (typeof ROLES)[number];
