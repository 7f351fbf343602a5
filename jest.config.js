/** Two projects: `unit` (pure domain and parsing, no database) and `db` (everything that talks to PostgreSQL). */
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] };

module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
      setupFiles: ['reflect-metadata'],
    },
    {
      displayName: 'db',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/db/**/*.test.ts'],
      setupFiles: ['reflect-metadata'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
  testTimeout: 60000,
};
