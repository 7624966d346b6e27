import type { User } from '../generated/prisma/client';
import type { UserRole } from '../generated/prisma/enums';

/** A user as the API shows it: never the password hash nor the failure counter. */
export interface UserView {
  id: number;
  email: string;
  name: string | null;
  role: UserRole;
  active: boolean;
  mustChangePassword: boolean;
  lockedUntil: Date | null;
  lastLoginAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export const mapUser = (user: User): UserView => ({
  id: user.id,
  email: user.email,
  name: user.name,
  role: user.role,
  active: user.active,
  mustChangePassword: user.mustChangePassword,
  lockedUntil: user.lockedUntil,
  lastLoginAt: user.lastLoginAt,
  createdAt: user.createdAt,
  updatedAt: user.updatedAt,
});

/** Emails are compared and stored trimmed and in lower case. */
export const normaliseEmail = (email: string): string => email.trim().toLowerCase();
