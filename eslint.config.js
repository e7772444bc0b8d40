// @ts-check
import eslint from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * Room sizes (issue 17): no file over 500 lines, no function over 100. Every line counts, blank
 * and comment lines too, so the bound is what `wc -l` and a reader's scroll bar say (a why-comment
 * is part of what a reader has to hold). Tests are held to the same bounds: a 100-line `it` or
 * `describe` callback is as hard to read as a 100-line function. Exceptions (data or generated
 * files only) are named below with the reason, and in their package README. The mini-program's
 * own config (miniprogram/eslint.config.js) imports these rules.
 * @type {import('eslint').Linter.RulesRecord}
 */
export const roomSizes = {
  'max-lines': ['error', { max: 500, skipBlankLines: false, skipComments: false }],
  'max-lines-per-function': ['error', { max: 100, skipBlankLines: false, skipComments: false, IIFEs: true }],
};

export default defineConfig(
  globalIgnores(['**/node_modules/', '**/dist/', '.data/', 'coverage/', 'miniprogram/', 'bench/results/']),
  eslint.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // `any` is written where a boundary needs it (the engine's ActorType<any, ...>, the
      // route table's default type parameters); what flows out of it is checked by no-unsafe-*.
      '@typescript-eslint/no-explicit-any': 'off',
      // A redundant `!` or cast is noise, not a bug, and `eslint --fix` removes it.
      '@typescript-eslint/no-unnecessary-type-assertion': 'warn',
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          args: 'after-used',
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
        },
      ],
    },
  },
  { rules: roomSizes },
  {
    // Data, not code: the demo chain's template menu, dish by dish (actors/README.md says so).
    files: ['actors/src/demo-menu.ts'],
    rules: { 'max-lines': 'off' },
  },
  {
    // Plain JS (scripts/*.mjs, this file) is not in any tsconfig: lint it without types.
    files: ['**/*.{js,mjs,cjs}'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
  },
);
