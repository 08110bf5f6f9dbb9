/**
 * Settings shared by every Lambda function, so runtime upgrades happen in one place.
 */
export const lambdaDefaults = {
  // the newest Node LTS Lambda offers that the code base is tested against (>= 20)
  runtime: 'nodejs22.x',
  // Graviton: cheaper per GB-second, and nothing here ships native x86 code
  architecture: 'arm64',
  logging: {
    format: 'json',
    retention: $app.stage === 'production' ? '6 months' : '2 weeks',
  },
} as const;
