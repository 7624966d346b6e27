import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { ActivityService } from '../activity/activity.service';
import type { RequestContext } from '../activity/request-context';
import { generatePassword, PasswordHasher } from '../auth/password-hasher';
import type { Principal } from '../auth/principal';
import { RefreshTokensService } from '../auth/refresh-tokens.service';
import type { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';
import type { CreateUserDto, UpdateUserDto } from './dto/user.dto';
import { mapUser, normaliseEmail, type UserView } from './user-view';

/** Who is acting and from where, for the activity log. */
export interface Actor extends RequestContext {
  principal: Principal;
}

const lastAdmin = () =>
  new ConflictException({
    message: 'The last active admin cannot be demoted or deactivated',
    code: 'LAST_ADMIN',
  });

/** User management (admins only) and the rule that one active admin always remains. */
@Injectable()
export class UsersService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly hasher: PasswordHasher,
    private readonly refreshTokens: RefreshTokensService,
    private readonly activity: ActivityService,
  ) {}

  async create(dto: CreateUserDto, actor: Actor): Promise<UserView> {
    const email = normaliseEmail(dto.email);
    if (await this.prisma.user.findUnique({ where: { email }, select: { id: true } })) {
      throw new ConflictException('A user with this email already exists');
    }
    const passwordHash = await this.hasher.hash(dto.password);
    return this.prisma.$transaction(async (tx) => {
      const user = await tx.user.create({
        data: {
          email,
          name: dto.name ?? null,
          role: dto.role,
          passwordHash,
          mustChangePassword: dto.mustChangePassword ?? true,
        },
      });
      await this.audit('user.created', user.id, actor, { email, role: user.role }, tx);
      return mapUser(user);
    });
  }

  async list(): Promise<UserView[]> {
    return (await this.prisma.user.findMany({ orderBy: { id: 'asc' } })).map(mapUser);
  }

  async get(id: number): Promise<UserView> {
    const user = await this.prisma.user.findUnique({ where: { id } });
    if (!user) throw new NotFoundException('User not found');
    return mapUser(user);
  }

  /**
   * Changes name, role or active. Demoting or deactivating the last active admin is refused (409);
   * the active admins are locked for the check so two concurrent changes cannot both pass it.
   * Deactivation ends every login of the user.
   */
  async update(id: number, dto: UpdateUserDto, actor: Actor): Promise<UserView> {
    return this.prisma.$transaction(async (tx) => {
      const admins = await tx.$queryRaw<{ id: number }[]>`
        SELECT id FROM users WHERE role = 'admin' AND active = 1 FOR UPDATE`;
      const user = await tx.user.findUnique({ where: { id } });
      if (!user) throw new NotFoundException('User not found');

      const changes: Record<string, { from: unknown; to: unknown }> = {};
      if (dto.name !== undefined && dto.name !== user.name) changes.name = { from: user.name, to: dto.name };
      if (dto.role !== undefined && dto.role !== user.role) changes.role = { from: user.role, to: dto.role };
      if (dto.active !== undefined && dto.active !== user.active)
        changes.active = { from: user.active, to: dto.active };
      if (Object.keys(changes).length === 0) return mapUser(user);

      const wasActiveAdmin = user.role === 'admin' && user.active;
      const staysActiveAdmin = (dto.role ?? user.role) === 'admin' && (dto.active ?? user.active);
      if (wasActiveAdmin && !staysActiveAdmin && admins.length <= 1) throw lastAdmin();

      const updated = await tx.user.update({
        where: { id },
        data: { name: dto.name, role: dto.role, active: dto.active },
      });
      const deactivated = changes.active?.to === false;
      if (deactivated) await this.refreshTokens.revokeAllOfUser(id, tx);
      await this.audit(deactivated ? 'user.deactivated' : 'user.updated', id, actor, { changes }, tx);
      return mapUser(updated);
    });
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
    return this.prisma.$transaction(async (tx) => {
      const exists = await tx.user.findUnique({ where: { id }, select: { id: true } });
      if (!exists) throw new NotFoundException('User not found');
      const user = await tx.user.update({
        where: { id },
        data: { passwordHash, mustChangePassword: true, failedLoginCount: 0, lockedUntil: null },
      });
      await this.refreshTokens.revokeAllOfUser(id, tx);
      await this.audit('user.password_reset', id, actor, { generated: !password }, tx);
      return { user: mapUser(user), ...(temporaryPassword ? { temporaryPassword } : {}) };
    });
  }

  private audit(
    action: string,
    userId: number,
    actor: Actor,
    metadata: Record<string, unknown>,
    tx: Prisma.TransactionClient,
  ): Promise<void> {
    return this.activity.record({ action, targetType: 'user', targetId: userId, metadata, ...actor }, tx);
  }
}
