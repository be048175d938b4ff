import { defineConfig } from "vitest/config";

// Real clients against a real broker, with heartbeats and restarts: generous per-test timeouts for a
// loaded 2-core CI machine; each test bounds its own waits below this with a clear message.
export default defineConfig({ test: { testTimeout: 30_000, hookTimeout: 30_000 } });
