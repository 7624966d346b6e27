#!/usr/bin/env node
// Generates the Prisma client offline. `prisma generate` only needs the schema-engine binary to
// exist, not to run, so when none is configured we point it at this Node binary.
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const env = { ...process.env };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY) env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath;
execFileSync(process.execPath, [require.resolve('prisma/build/index.js'), 'generate'], {
  cwd: path.join(__dirname, '..'),
  env,
  stdio: ['ignore', 'inherit', 'inherit'],
});
