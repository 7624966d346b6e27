// Preloaded into a gateway process by test/lazy-loading.e2e-spec.ts (NODE_OPTIONS=--require): on
// SIGUSR2 it writes the files the process has loaded (require.cache, which also lists ESM packages
// loaded through require) to the path in LOADED_MODULES_FILE.
const { writeFileSync } = require('node:fs');

process.on('SIGUSR2', () => {
  writeFileSync(process.env.LOADED_MODULES_FILE, JSON.stringify(Object.keys(require.cache)));
});
