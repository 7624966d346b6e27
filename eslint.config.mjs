import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

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
