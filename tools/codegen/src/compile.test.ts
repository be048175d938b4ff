/**
 * Type-checks what the generator emits for test/tiny-spec.xml (every wire type, reserved fields,
 * `arguments`, nine bits, a method without fields) against stubs of the hand-written helpers, with
 * the repository's strict tsconfig.base.json.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { generate } from "./index.js";

const path = (rel: string): string => fileURLToPath(new URL(rel, import.meta.url));
const tsc = path("../node_modules/typescript/bin/tsc");

/** Declarations with the signatures of packages/protocol/src/{errors,field-table,primitives}.ts. */
const STUBS: Record<string, string> = {
  "errors.ts": [
    "export declare class ProtocolError extends Error {",
    "  constructor(replyCode: number, message: string, classId?: number, methodId?: number);",
    "}",
    "export declare function malformedMethod(id: number): ProtocolError;",
    "export declare function malformedProperties(): ProtocolError;",
    "export declare function bufferTooSmall(b: Buffer, o: number): RangeError;",
  ].join("\n"),
  "field-table.ts": [
    "export interface FieldTable { [key: string]: unknown }",
    "export declare const EMPTY_TABLE: FieldTable;",
    "export declare function decodeFieldTable(b: Buffer, start: number, end: number): FieldTable;",
    "export declare function encodeFieldTable(b: Buffer, o: number, table: FieldTable): number;",
  ].join("\n"),
  "primitives.ts": [
    "export declare const EMPTY: Buffer;",
    "export declare function readShortString(b: Buffer, start: number, end: number): string;",
    "export declare function writeShortString(b: Buffer, o: number, s: string): number;",
    "export declare function writeLongString(b: Buffer, o: number, v: Buffer | Uint8Array): number;",
    "export declare function readLongLong(b: Buffer, o: number): number;",
    "export declare function writeLongLong(b: Buffer, o: number, v: number): void;",
  ].join("\n"),
};

const dir = mkdtempSync(join(tmpdir(), "codegen-compile-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("emitted code for the tiny spec", () => {
  it("type-checks under the strict base tsconfig", () => {
    mkdirSync(join(dir, "src/generated"), { recursive: true });
    for (const [name, text] of Object.entries(STUBS)) writeFileSync(join(dir, "src", name), text);
    const files = generate(readFileSync(path("../test/tiny-spec.xml"), "utf8"));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, "src/generated", name), text);
    const tsconfig = {
      extends: path("../../../tsconfig.base.json"),
      compilerOptions: { noEmit: true, composite: false, declaration: false, declarationMap: false, typeRoots: [path("../node_modules/@types")] },
      include: ["src"],
    };
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(tsconfig));
    writeFileSync(join(dir, "package.json"), '{ "type": "module" }');
    let output = "";
    try {
      execFileSync(process.execPath, [tsc, "-p", dir], { encoding: "utf8", stdio: "pipe" });
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string };
      output = `${err.stdout ?? ""}${err.stderr ?? ""}` || String(e);
    }
    expect(output).toBe("");
  }, 60_000);
});
