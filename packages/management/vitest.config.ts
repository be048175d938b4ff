import { defineConfig } from "vitest/config";

// Real servers, property tests and fsyncs: on a loaded CI machine some take more than vitest's default 5 s.
export default defineConfig({ test: { testTimeout: 30_000 } });
