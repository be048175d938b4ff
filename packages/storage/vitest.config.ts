import { defineConfig } from "vitest/config";

// Recovery and crash tests reopen stores hundreds of times with fsync: on a loaded CI machine they
// need more than vitest's default 5 s.
export default defineConfig({ test: { testTimeout: 30_000 } });
