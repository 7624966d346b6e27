import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ActivityService } from '../activity/activity.service';
import { generatePassword, PasswordHasher } from '../auth/password-hasher';
import { AppConfig } from '../config/app-config';
import { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';
import { normaliseEmail } from './user-view';

export const DEFAULT_ADMIN_EMAIL = 'admin@localhost';

export type SeedResult = { created: false } | { created: true; email: string; generatedPassword?: string };

/**
 * Creates the first admin when there is no user at all: ADMIN_EMAIL / ADMIN_PASSWORD when set;
 * without a password a random one is generated, printed once to stdout, and must be changed at first
 * login. Runs at every start (a no-op once a user exists) and from `npm run db:seed`.
 */
@Injectable()
export class FirstAdminSeeder implements OnApplicationBootstrap {
  private readonly logger = new Logger(FirstAdminSeeder.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly config: AppConfig,
    private readonly hasher: PasswordHasher,
    private readonly activity: ActivityService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.ensureFirstAdmin();
    } catch (error) {
      // A database that is down at start must not stop the gateway; /health reports it.
      this.logger.warn(
        `Could not check for a first admin: ${error instanceof Error ? error.message : error}`,
      );
    }
  }

  async ensureFirstAdmin(): Promise<SeedResult> {
    if ((await this.prisma.user.count()) > 0) return { created: false };
    const email = normaliseEmail(this.config.ADMIN_EMAIL ?? DEFAULT_ADMIN_EMAIL);
    const generatedPassword = this.config.ADMIN_PASSWORD ? undefined : generatePassword();
    const passwordHash = await this.hasher.hash(this.config.ADMIN_PASSWORD ?? generatedPassword ?? '');
    try {
      await this.prisma.$transaction(async (tx) => {
        const user = await tx.user.create({
          data: { email, passwordHash, role: 'admin', mustChangePassword: generatedPassword !== undefined },
        });
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
