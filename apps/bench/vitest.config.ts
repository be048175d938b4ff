import { defineConfig } from "vitest/config";

// The integration tests run the built bench against a real server: seconds, not milliseconds, and
// more on a busy 2-core machine.
export default defineConfig({ test: { testTimeout: 30_000, hookTimeout: 30_000 } });
