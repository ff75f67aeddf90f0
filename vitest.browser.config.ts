// `npm run test:browser`: the pages in a real Chromium (Debian's /usr/bin/chromium through
// playwright-core) against a started server. Kept out of `npm test`, which needs no browser.
import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

export default defineConfig({
  resolve: base.resolve,
  test: {
    include: ['src/**/*.browser.ts'],
    globalSetup: ['src/test/global-setup.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
