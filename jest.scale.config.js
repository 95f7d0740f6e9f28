/** @type {import('jest').Config} `npm run test:scale`: the 1,200-store retail example synthesized, validated and built with kubectl kustomize (issue 14). */
const base = require('./jest.config.js');
module.exports = { ...base, testPathIgnorePatterns: ['/node_modules/'], roots: ['<rootDir>/test/scale'], testTimeout: 1800000 };
