// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

// Imports flow one way (STYLE.md): http → timeline → event-store; projections → timeline + event-store;
// ops → projections + event-store. database and config sit below everything.
const layer = (from, forbidden, { allowTypeImports = false } = {}) => ({
  files: [`src/${from}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: forbidden.map((target) => ({
          group: [1, 2, 3, 4].flatMap((depth) => {
            const path = `${'../'.repeat(depth)}${target}`;
            return [path, `${path}/**`];
          }),
          allowTypeImports,
          message: `src/${from} may not import src/${target} (see STYLE.md, imports flow one way)`,
        })),
      },
    ],
  },
});

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'artifacts/**',
      '.data/**',
      '**/*.js',
      '**/*.mjs',
      'dashboard/dist/**',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/explicit-module-boundary-types': 'off',
      // Async signatures are part of interfaces we implement (Kysely's Driver, Nest hooks).
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Nest injects by the runtime class of constructor parameters: those imports must stay values.
    files: ['src/**/*.ts'],
    rules: { '@typescript-eslint/consistent-type-imports': 'off' },
  },
  layer('event-store', ['timeline', 'projections', 'http', 'ops']),
  layer('timeline', ['projections', 'http', 'ops']),
  layer('projections', ['http', 'ops']),
  layer('ops', ['http']),
  // database/tables.ts composes every module's row types into one Database interface (types only).
  layer('database', ['timeline', 'projections', 'http', 'ops'], { allowTypeImports: true }),
  layer('config', ['database', 'event-store', 'timeline', 'projections', 'http', 'ops']),
  {
    files: [
      'test/**/*.ts',
      '**/*.spec.ts',
      '**/*.int-spec.ts',
      '**/*.e2e-spec.ts',
      'bench/**/*.ts',
    ],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
