import { Injectable } from '@nestjs/common';
import { ActivityService, audited } from '../activity/activity.service';
import { type Actor } from '../auth/actor';
import { generatePassword, PasswordHasher } from '../auth/password-hasher';
import { RefreshTokensService } from '../auth/refresh-tokens.service';
import { mapUser, normaliseEmail, type UserView } from '../auth/user-view';
import { UsersRepository } from '../auth/users.repository';
import { DomainEvents, type AccessChangeReason } from '../common/domain-events';
import { DomainError } from '../common/errors';
import { Database, type Tx } from '../prisma/database';
import type { CreateUserDto, UpdateUserDto } from './dto/user.dto';

const lastAdmin = () =>
  new DomainError('LAST_ADMIN', 'The last active admin cannot be demoted or deactivated');
const userNotFound = () => new DomainError('NOT_FOUND', 'User not found');

/** User management (admins only) and the rule that one active admin always remains. */
@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly database: Database,
    private readonly hasher: PasswordHasher,
    private readonly refreshTokens: RefreshTokensService,
    private readonly activity: ActivityService,
    private readonly events: DomainEvents,
  ) {}

  async create(dto: CreateUserDto, actor: Actor): Promise<UserView> {
    const email = normaliseEmail(dto.email);
    if (await this.users.findByEmail(email)) {
      throw new DomainError('CONFLICT', 'A user with this email already exists');
    }
    const passwordHash = await this.hasher.hash(dto.password);
    return this.database.transaction(async (tx) => {
      const user = await this.users.create(
        {
          email,
          name: dto.name ?? null,
          role: dto.role,
          passwordHash,
          mustChangePassword: dto.mustChangePassword ?? true,
        },
        tx,
      );
      await this.audit('user.created', user.id, actor, { email, role: user.role }, tx);
      return mapUser(user);
    });
  }

  async list(): Promise<UserView[]> {
    return (await this.users.list()).map(mapUser);
  }

  async get(id: number): Promise<UserView> {
    const user = await this.users.findById(id);
    if (!user) throw userNotFound();
    return mapUser(user);
  }

  /**
   * Changes name, role or active. Demoting or deactivating the last active admin is refused (409);
   * the active admins are locked for the check so two concurrent changes cannot both pass it.
   * Deactivation ends every login of the user; it and a role change close the user's WebSockets.
   */
  async update(id: number, dto: UpdateUserDto, actor: Actor): Promise<UserView> {
    const { view, accessChange } = await this.database.transaction(async (tx) => {
      const admins = await this.users.lockActiveAdmins(tx);
      const user = await this.users.findById(id, tx);
      if (!user) throw userNotFound();
      const changes: Record<string, { from: unknown; to: unknown }> = {};
      if (dto.name !== undefined && dto.name !== user.name) changes.name = { from: user.name, to: dto.name };
      if (dto.role !== undefined && dto.role !== user.role) changes.role = { from: user.role, to: dto.role };
      if (dto.active !== undefined && dto.active !== user.active)
        changes.active = { from: user.active, to: dto.active };
      if (Object.keys(changes).length === 0) return { view: mapUser(user), accessChange: null };
      const wasActiveAdmin = user.role === 'admin' && user.active;
      const staysActiveAdmin = (dto.role ?? user.role) === 'admin' && (dto.active ?? user.active);
      if (wasActiveAdmin && !staysActiveAdmin && admins.length <= 1) throw lastAdmin();
      const updated = await this.users.update(id, { name: dto.name, role: dto.role, active: dto.active }, tx);
      const deactivated = changes.active?.to === false;
      if (deactivated) await this.refreshTokens.revokeAllOfUser(id, tx);
      await this.audit(deactivated ? 'user.deactivated' : 'user.updated', id, actor, { changes }, tx);
      const accessChange: AccessChangeReason | null = deactivated
        ? 'deactivated'
        : changes.role
          ? 'role_changed'
          : null;
      return { view: mapUser(updated), accessChange };
    });
    if (accessChange) this.events.emit('user.access_changed', { userId: id, reason: accessChange });
    return view;
  }

  deactivate(id: number, actor: Actor): Promise<UserView> {
    return this.update(id, { active: false }, actor);
  }

  /**
   * Sets a new password (the given one, or a generated one returned once), asks for a change at next
   * login, lifts a lockout and ends every login of the user.
   */
  async resetPassword(
    id: number,
    password: string | undefined,
    actor: Actor,
  ): Promise<{ user: UserView; temporaryPassword?: string }> {
    const temporaryPassword = password ? undefined : generatePassword();
    const passwordHash = await this.hasher.hash(password ?? temporaryPassword ?? '');
    const reset = await this.database.transaction(async (tx) => {
      if (!(await this.users.findById(id, tx))) throw userNotFound();
      const user = await this.users.update(
        id,
        { passwordHash, mustChangePassword: true, failedLoginCount: 0, lockedUntil: null },
        tx,
      );
      await this.refreshTokens.revokeAllOfUser(id, tx);
      await this.audit('user.password_reset', id, actor, { generated: !password }, tx);
      return { user: mapUser(user), ...(temporaryPassword ? { temporaryPassword } : {}) };
    });
    this.events.emit('user.access_changed', { userId: id, reason: 'password_reset' });
    return reset;
  }

  private audit(
    action: string,
    userId: number,
    actor: Actor,
    metadata: Record<string, unknown>,
    tx: Tx,
  ): Promise<void> {
    return this.activity.record(
      { ...audited(actor), action, targetType: 'user', targetId: userId, metadata },
      tx,
    );
  }
}
