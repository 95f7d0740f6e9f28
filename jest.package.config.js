/**
 * `npm run test:package`: the package as a user gets it (pack, install the tarball into an empty project,
 * init, test, synth, validate, check; documentation snippets against the installed package). Slow and
 * needs the npm registry, so it is apart from `npm test`; .ci/run runs both.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test-package'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  testTimeout: 1800000,
  maxWorkers: 1,
};
