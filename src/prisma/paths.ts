import { join } from 'node:path';

// Same relative place from src/prisma (tests) and dist/prisma (built app): <root>/prisma/migrations.
export const MIGRATIONS_DIR = join(__dirname, '..', '..', 'prisma', 'migrations');
