/** Tests run through @swc/jest (no type checking: `npm run typecheck` does that once). */
module.exports = {
  testEnvironment: 'node',
  // A control's unit test lives in its folder (functions/controls/<family>/<family>.test.ts); the rest in test/.
  roots: ['<rootDir>/test', '<rootDir>/functions'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j|mj)s$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }],
  },
  // @middy/core, openid-client (with oauth4webapi), jose and oidc-provider are ESM only: swc turns them into CommonJS for jest.
  transformIgnorePatterns: ['/node_modules/(?!(@middy|openid-client|oauth4webapi|jose|oidc-provider)/)'],
  setupFiles: ['<rootDir>/test/setup-env.ts'],
  setupFilesAfterEnv: ['aws-sdk-client-mock-jest'],
  testTimeout: 30000,
};
