/**
 * Three tiers, each a Jest project (`npm test` runs them all; `--selectProjects` picks some):
 * - unit: pure code beside its source (src/**\/*.spec.ts), no database, no network beyond loopback;
 * - integration: one part of the gateway against the real thing it talks to, without HTTP: the
 *   table owners on a real MariaDB, the simulator against real Baileys (test/integration/);
 * - e2e: the whole gateway over HTTP and WebSocket, real Baileys against the simulator, in Chromium
 *   for the admin app (test/*.e2e-spec.ts).
 */
const shared = {
  rootDir: '.',
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  setupFiles: ['reflect-metadata'],
  // Globals read inside Jest's vm are slow lookups; curve25519-js (libsignal's signatures, run by
  // Baileys and the simulator on every pairing and handshake) reads these in its inner loops.
  sandboxInjectedGlobals: ['Math', 'Float64Array', 'Uint8Array', 'Int32Array'],
};

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 60000,
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    { ...shared, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.spec.ts'] },
    { ...shared, displayName: 'e2e', testMatch: ['<rootDir>/test/*.e2e-spec.ts'] },
  ],
};
