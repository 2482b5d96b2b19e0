// ESLint flat config: @eslint/js and typescript-eslint recommended rules for every package.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

// The Node globals plain .js/.mjs scripts use (TypeScript files are checked by tsc instead of no-undef).
const nodeGlobals = Object.fromEntries(
  [
    'process',
    'console',
    'Buffer',
    'URL',
    'URLSearchParams',
    'TextEncoder',
    'TextDecoder',
    'AbortController',
    'AbortSignal',
    'fetch',
    'structuredClone',
    'queueMicrotask',
    'setTimeout',
    'clearTimeout',
    'setInterval',
    'clearInterval',
    'setImmediate',
    'clearImmediate',
    'globalThis',
  ].map((name) => [name, 'readonly']),
);

export default defineConfig(
  globalIgnores([
    '**/node_modules/',
    '**/dist/',
    'chaincode/dist/',
    'chaincode/node_modules/',
    'coverage/',
    '.nyc_output/',
    '.shulian/',
    'test-output/',
    'bench/out/',
  ]),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: nodeGlobals },
  },
  {
    // the audit console's browser modules (served as they are, no bundler)
    files: ['gateway/console/**/*.js'],
    languageOptions: {
      globals: Object.fromEntries(
        ['window', 'self', 'document', 'navigator', 'location', 'localStorage', 'crypto', 'Node', 'Blob', 'File']
          .concat(['Worker', 'HashChangeEvent', 'DragEvent', 'DataTransfer', 'Intl'])
          .map((name) => [name, 'readonly']),
      ),
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        exports: 'writable',
        __dirname: 'readonly',
        __filename: 'readonly',
      },
    },
  },
);
