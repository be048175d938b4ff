/**
 * roaring (CRoaring as a native addon) holds the acknowledgement bitmaps of queue segments. It is an
 * optional dependency, loaded on first use: a broker that never opens a segment store (in memory,
 * transient queues only) runs where the addon is absent or did not build (pnpm's default refuses
 * its build script; npm needs a compiler where no prebuilt binary fits). Opening a segment store
 * without it fails with RoaringMissingError, naming the fix.
 *
 * `RoaringBitmap32` is a live binding: undefined until `loadRoaring()` ran, the class after.
 * Types come from "roaring" with `import type`, which loads nothing.
 */
import { createRequire } from "node:module";
import type RoaringModule from "roaring";

type Roaring = typeof RoaringModule;

export class RoaringMissingError extends Error {
  override readonly name = "RoaringMissingError";
  readonly code = "AMQP_GO_ROARING_MISSING";
  constructor(cause: unknown) {
    super(
      "durable queues need the optional dependency 'roaring' (a native addon), which is not installed " +
        "or did not build: run `npm install roaring` (it builds with python3, make and a C++ compiler " +
        "where no prebuilt binary fits), or with pnpm allow its build (`pnpm approve-builds`, or " +
        "`allowBuilds: { roaring: true }` in pnpm-workspace.yaml) and reinstall",
      { cause },
    );
  }
}

/** The bitmap class; undefined until `loadRoaring()`. */
export let RoaringBitmap32: Roaring["RoaringBitmap32"] = undefined as unknown as Roaring["RoaringBitmap32"];

const requireModule = createRequire(import.meta.url);

/** Loads roaring once (`name` is for tests); throws RoaringMissingError when it cannot. */
export function loadRoaring(name = "roaring"): void {
  if (RoaringBitmap32 !== undefined && name === "roaring") return;
  let mod: Roaring;
  try {
    mod = requireModule(name) as Roaring;
  } catch (e) {
    throw new RoaringMissingError(e);
  }
  RoaringBitmap32 = mod.RoaringBitmap32;
}
