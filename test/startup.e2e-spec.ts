import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..');

/** Starts src/main.ts as a real process with only the given environment. */
function start(env: Record<string, string>) {
  return spawnSync(process.execPath, ['-r', '@swc-node/register', join(root, 'src', 'main.ts')], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'silent', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('start-up configuration checks', () => {
  it.each([
    [{ PORT: 'abc', DATABASE_URL: 'mysql://root@127.0.0.1:3306/x' }, /PORT must be an integer/],
    // An empty value stays empty: a .env file never fills in a variable that is set.
    [{ DATABASE_URL: '' }, /DATABASE_URL is required/],
    [
      { DATABASE_URL: 'mysql://root@127.0.0.1:3306/x', NODE_ENV: 'production', TOKEN_ENCRYPTION_KEY: '' },
      /TOKEN_ENCRYPTION_KEY is required in production/,
    ],
  ])('%o exits 1 with one line naming the variable', (env, expected) => {
    const result = start(env);
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(expected);
  });
});
