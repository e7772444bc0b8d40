// @ts-check
// The root config ignores miniprogram/ (WeChat's toolchain builds it); this one lints it
// with type information from the mini-program's own tsconfigs.
import eslint from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';
import { roomSizes } from '../eslint.config.js';

export default defineConfig(
  globalIgnores(['node_modules/', 'test/snapshots/']),
  eslint.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        project: ['./tsconfig.json', './test/tsconfig.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The tests drive pages through miniprogram-simulate's j-component instances and read the
    // gateway's answers raw, both untyped; the app's own code (src/) is checked by no-unsafe-*.
    files: ['**/test/**'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  // The bounds on file and function sizes, the same as the rest of the repo.
  { rules: roomSizes },
  {
    files: ['**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
