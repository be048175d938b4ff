import { defineConfig } from "vitest/config";

// One browser and one broker for the whole file; the files run one after another (two chromiums at
// once on a loaded 2-core CI machine would only slow each other down).
export default defineConfig({ test: { testTimeout: 30_000, hookTimeout: 30_000, fileParallelism: false } });
