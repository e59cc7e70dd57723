/** Tests run through @swc/jest (no type checking: `npm run typecheck` does that once). */
module.exports = {
  testEnvironment: 'node',
  // A control's unit test lives in its folder (functions/controls/<family>/<family>.test.ts); the rest in test/.
  roots: ['<rootDir>/test', '<rootDir>/functions'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j|mj)s$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }],
  },
  // @middy/core is published as ESM only: let swc turn it into CommonJS for jest.
  transformIgnorePatterns: ['/node_modules/(?!@middy/)'],
  setupFiles: ['<rootDir>/test/setup-env.ts'],
  setupFilesAfterEnv: ['aws-sdk-client-mock-jest'],
  testTimeout: 30000,
};
