/** ts-jest compiles each test file alone (isolatedModules in tsconfig.json); `npm test` type-checks the project first. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: { '^.+\\.ts$': 'ts-jest' },
};
