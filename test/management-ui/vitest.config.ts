import { defineConfig } from "vitest/config";

// The files run one after another in one worker without isolation: the broker, management and
// playwright modules load once (not once per file), and two chromiums at once on a loaded 2-core
// CI machine would only slow each other down. Each file still starts its own broker and browser.
export default defineConfig({ test: { testTimeout: 60_000, hookTimeout: 60_000, fileParallelism: false, isolate: false } });
