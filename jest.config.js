/**
 * Tests boot the real Strapi (compiled once in global-setup) on a fresh SQLite file per test file,
 * or on a fresh PostgreSQL database when TEST_DATABASE_URL is set. See docs/TESTING.md.
 */
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: '<rootDir>/tests/tsconfig.json', diagnostics: false }],
  },
  testMatch: ['<rootDir>/tests/**/*.test.ts'],
  // Anchored: a bare '.tmp' would also match /tmp/ in absolute paths and find zero tests.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/\\.tmp/', '<rootDir>/dist/'],
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/\\.tmp/'],
  globalSetup: '<rootDir>/tests/setup/global-setup.ts',
  globalTeardown: '<rootDir>/tests/setup/global-teardown.ts',
  setupFiles: ['<rootDir>/tests/setup/env.ts'],
  testTimeout: 120000,
  maxWorkers: 2,
  verbose: true,
};
