import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Removes the temporary folders each test file made (test/tmp.ts), also when it fails.
    setupFiles: ["test/setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 600_000,
  },
});
