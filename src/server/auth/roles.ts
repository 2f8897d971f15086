// Two roles, as VIPER's admin.tok and user.tok: an admin manages topics, groups and tokens; a user
// produces and consumes with the producer and consumer ids an admin handed out.

export const ROLES = ['admin', 'user'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return value === 'admin' || value === 'user';
}
