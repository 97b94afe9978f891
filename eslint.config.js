// @ts-check
const tseslint = require('typescript-eslint');

const layerBan = {
  patterns: [
    {
      group: ['@slack/*', 'bullmq', 'ioredis', 'pg', 'node-vault', 'pino', '@electric-sql/*'],
      message:
        'domain/ and app/ stay free of I/O libraries: depend on a port in src/ports instead.',
    },
    {
      group: ['**/adapters/**', '**/main/**'],
      message: 'domain/ and app/ never import adapters or composition roots.',
    },
  ],
};

module.exports = tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      '.tenantops/**',
      '*.js',
      'test/support/*.js',
    ],
  },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: __dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['src/domain/**/*.ts', 'src/app/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', layerBan] },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
