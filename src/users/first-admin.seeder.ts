import { Injectable } from '@nestjs/common';
import { ActivityService } from '../activity/activity.service';
import { generatePassword, PasswordHasher } from '../auth/password-hasher';
import { normaliseEmail } from '../auth/user-view';
import { UsersRepository } from '../auth/users.repository';
import { AppConfig } from '../config/app-config';
import { Prisma } from '../generated/prisma/client';
import { Database } from '../prisma/database';

export const DEFAULT_ADMIN_EMAIL = 'admin@localhost';

export type SeedResult = { created: false } | { created: true; email: string; generatedPassword?: string };

/**
 * Creates the first admin when there is no user at all: ADMIN_EMAIL / ADMIN_PASSWORD when set;
 * without a password a random one is generated, printed once to stdout, and must be changed at first
 * login. The gateway runs it at every start (a no-op once a user exists), and so does `npm run db:seed`.
 */
@Injectable()
export class FirstAdminSeeder {
  constructor(
    private readonly users: UsersRepository,
    private readonly database: Database,
    private readonly config: AppConfig,
    private readonly hasher: PasswordHasher,
    private readonly activity: ActivityService,
  ) {}

  async ensureFirstAdmin(): Promise<SeedResult> {
    if ((await this.users.count()) > 0) return { created: false };
    const email = normaliseEmail(this.config.ADMIN_EMAIL ?? DEFAULT_ADMIN_EMAIL);
    const generatedPassword = this.config.ADMIN_PASSWORD ? undefined : generatePassword();
    const passwordHash = await this.hasher.hash(this.config.ADMIN_PASSWORD ?? generatedPassword ?? '');
    try {
      await this.database.transaction(async (tx) => {
        const user = await this.users.create(
          { email, passwordHash, role: 'admin', mustChangePassword: generatedPassword !== undefined },
          tx,
        );
        await this.activity.record(
          {
            action: 'user.created',
            actorLabel: 'system',
            targetType: 'user',
            targetId: user.id,
            metadata: { email, role: 'admin', seeded: true },
          },
          tx,
        );
      });
    } catch (error) {
      // Another gateway process seeded the same admin at the same moment.
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002')
        return { created: false };
      throw error;
    }
    if (generatedPassword) this.announce(email, generatedPassword);
    return { created: true, email, ...(generatedPassword ? { generatedPassword } : {}) };
  }

  private announce(email: string, password: string): void {
    const line = '='.repeat(72);
    // Straight to stdout, not the logger: LOG_LEVEL=silent must not swallow the only copy.
    process.stdout.write(
      `\n${line}\nFirst admin created: ${email}\nPassword (shown only this once): ${password}\n` +
        `You will be asked to change it at first login. Set ADMIN_EMAIL/ADMIN_PASSWORD to choose them.\n${line}\n\n`,
    );
  }
}
