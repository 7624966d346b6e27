import 'dotenv/config';
import { defineConfig } from 'prisma/config';

// DATABASE_URL is only needed by commands that talk to the database; `prisma generate` works without it.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/wa_gateway' },
});
