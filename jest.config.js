/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The heavy suites (bad-input corpus, fault injection, locales) run in `npm run test:hardening`.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/hardening/', '<rootDir>/test/scale/'],
  transform: {
    // Type-checking is done once by `tsc --noEmit` (npm test runs it first); isolatedModules keeps jest fast.
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  testTimeout: 120000,
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
};
