/**
 * The web UI's static files (@amqp-go/management-ui), served at `/` beside the API: read once at
 * start into memory (the whole UI is ~100 KB), each text file gzipped once too. `index.html` is
 * `no-cache` (it names the current assets); `assets/*` carry a content hash in their names, so they
 * are cached for a year as immutable. Every page also gets headers that keep it from being framed or
 * sniffed, and a CSP that allows only its own scripts.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { gzipSync } from "node:zlib";
import { managementUiRoot } from "@amqp-go/management-ui";

export interface UiAsset {
  readonly body: Buffer;
  /** The gzipped body, when smaller. */
  readonly gzip: Buffer | null;
  readonly headers: Readonly<Record<string, string>>;
}

const TYPES: Readonly<Record<string, string>> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  ico: "image/x-icon",
  json: "application/json",
  txt: "text/plain; charset=utf-8",
  woff2: "font/woff2",
};

const SECURITY: Readonly<Record<string, string>> = {
  "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
};

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...walk(path));
    else out.push(path);
  }
  return out;
}

/** The UI's files by URL path (`/`, `/index.html`, `/assets/index-3f2a.js`); empty when not built. */
export function loadUiAssets(root: string = managementUiRoot): Map<string, UiAsset> {
  const assets = new Map<string, UiAsset>();
  if (!existsSync(join(root, "index.html"))) return assets;
  for (const file of walk(root)) {
    const path = `/${relative(root, file).split(sep).join("/")}`;
    const ext = path.slice(path.lastIndexOf(".") + 1);
    const type = TYPES[ext] ?? "application/octet-stream";
    const body = readFileSync(file);
    const zipped = /^(text\/|image\/svg|application\/json)/.test(type) ? gzipSync(body, { level: 9 }) : null;
    const immutable = path.startsWith("/assets/");
    assets.set(path, {
      body,
      gzip: zipped !== null && zipped.length < body.length ? zipped : null,
      headers: {
        ...SECURITY,
        "content-type": type,
        "cache-control": immutable ? "public, max-age=31536000, immutable" : "no-cache",
      },
    });
  }
  const index = assets.get("/index.html");
  if (index !== undefined) assets.set("/", index);
  return assets;
}
