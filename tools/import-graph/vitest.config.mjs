import { defineConfig } from "vitest/config";

// The whole-repository runs read every source file: give them room on a loaded CI machine.
export default defineConfig({ test: { include: ["*.test.mjs"], testTimeout: 60_000 } });
