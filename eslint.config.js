// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const pureLibs = ['libs/flow-model', 'libs/decoders', 'libs/features', 'libs/scoring'];

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/coverage/**',
      '.cache/**',
      '.infra/**',
      'bench-results/**',
      '**/*.c',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: {
        project: [
          './tsconfig.tooling.json',
          './libs/*/tsconfig.json',
          './services/*/tsconfig.json',
        ],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', name: ['test', 'it', 'describe', 'suite'], package: 'node:test' },
          ],
        },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      'no-console': 'error',
    },
  },
  {
    // Pure detection libraries never touch transports: services wire them.
    files: pureLibs.map((p) => `${p}/src/**/*.ts`),
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['kafkajs', 'ioredis', 'fastify', '@kafkajs/confluent-schema-registry'].map(
            (name) => ({
              name,
              message: 'pure libs must not import transports; wire them in services/',
            }),
          ),
        },
      ],
    },
  },
  {
    // Tests, benchmarks, scripts and CLIs may print.
    files: [
      '**/test/**',
      '**/bench/**',
      'scripts/**',
      '**/*.mjs',
      'services/cli/**',
      '**/tools/**',
    ],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
