/** @type {import('jest').Config} `npm run test:hardening`: the bad-input corpus, fault injection and locale suites (issue 13). */
const base = require('./jest.config.js');
module.exports = { ...base, testPathIgnorePatterns: ['/node_modules/'], roots: ['<rootDir>/test/hardening'], testTimeout: 600000 };
