// The browser half: web/ -> dist/www (index.html + assets/*-[hash].js|css). Relative base, so the
// pages work under any path prefix; no source maps in the package (they would double its size).
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL("./web", import.meta.url)),
  base: "./",
  logLevel: "warn",
  build: {
    outDir: fileURLToPath(new URL("./dist/www", import.meta.url)),
    emptyOutDir: true,
    assetsDir: "assets",
    target: "es2022",
    sourcemap: false,
    modulePreload: false,
    reportCompressedSize: false,
  },
});
