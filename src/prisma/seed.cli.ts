import { ActivityService } from '../activity/activity.service';
import { PasswordHasher } from '../auth/password-hasher';
import { readEnvironment } from '../config/env';
import { loadConfig } from '../config/load-config';
import { FirstAdminSeeder } from '../users/first-admin.seeder';
import { migrate } from './migrator';
import { MIGRATIONS_DIR } from './paths';
import { PrismaService } from './prisma.service';

/** `npm run db:seed`: creates the first admin when the database has no user (the gateway does it at start too). */
async function main(): Promise<void> {
  const { config } = loadConfig(readEnvironment());
  if (config.MIGRATE_ON_START) await migrate(config.DATABASE_URL, MIGRATIONS_DIR);
  const prisma = new PrismaService(config);
  try {
    const seeder = new FirstAdminSeeder(
      prisma,
      config,
      new PasswordHasher(config),
      new ActivityService(prisma),
    );
    const result = await seeder.ensureFirstAdmin();
    if (!result.created) console.log('Users already exist; nothing to seed.');
    else if (!result.generatedPassword) console.log(`First admin created: ${result.email}`);
  } finally {
    await prisma.$disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
