import { defineConfig } from "vitest/config";

// Real clients against a real broker, with heartbeats and restarts: generous per-test timeouts for a
// loaded 2-core CI machine; each test bounds its own waits below this with a clear message.
// The files mostly wait (idle heartbeats, restarts, child processes), and each has its own broker on
// its own port, so they run 3 at a time even on 2 cores: the suite takes about as long as its
// slowest file rather than the sum of all six.
export default defineConfig({ test: { testTimeout: 30_000, hookTimeout: 30_000, maxWorkers: 3 } });
