import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/**
 * The WhatsApp boundary: only src/whatsapp and the simulator in src/sandbox speak Baileys; the rest of
 * the gateway sees src/whatsapp through its port, its module, the session records (and their proxies)
 * and the socket settings.
 */
const WHATSAPP_BOUNDARY = {
  patterns: [
    {
      group: ['@whiskeysockets/baileys', '@whiskeysockets/baileys/*', '**/whatsapp/baileys'],
      message: 'Only src/whatsapp and src/sandbox use Baileys; use the WhatsAppPort and OutboundContent.',
    },
    {
      group: [
        '**/whatsapp/*',
        '!**/whatsapp/baileys',
        '!**/whatsapp/whatsapp.port',
        '!**/whatsapp/whatsapp.module',
        '!**/whatsapp/session.repository',
        '!**/whatsapp/session-proxies',
        '!**/whatsapp/socket-settings',
      ],
      message: "src/whatsapp's internals stay inside it; use the WhatsAppPort or the SessionRepository.",
    },
  ],
};

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'coverage/',
      'node_modules/',
      'src/generated/',
      'media/',
      'admin/vendor/',
      'test-results/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'off',
    },
  },
  {
    // TypeScript with type information: a promise is awaited, returned or explicitly `void`ed, and never
    // handed to something that does not wait for it.
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/whatsapp/**', 'src/sandbox/**'],
    rules: { 'no-restricted-imports': ['error', WHATSAPP_BOUNDARY] },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        process: 'readonly',
        console: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The admin SPA: ES modules run by the browser (no build step).
    files: ['admin/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: Object.fromEntries(
        (
          'window document navigator location history localStorage console fetch URL URLSearchParams FormData ' +
          'Blob XMLHttpRequest WebSocket Node CSS Intl setTimeout clearTimeout queueMicrotask'
        )
          .split(' ')
          .map((name) => [name, 'readonly']),
      ),
    },
  },
);
