import { mkdtempSync, readFileSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "./errors.js";
import { createLogger } from "./logger.js";

const dir = mkdtempSync(join(tmpdir(), "amqp-server-log-"));

describe("createLogger", () => {
  it("writes JSON lines at the configured level", () => {
    const lines: string[] = [];
    const { logger } = createLogger({ level: "warn", file: null }, { destination: { write: (line) => void lines.push(line) } });
    logger.info({ port: 1 }, "dropped");
    logger.warn({ port: 2 }, "kept");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? "")).toMatchObject({ level: 40, port: 2, msg: "kept" });
  });

  it("writes JSON to the log file, creating its directory, even when stdout is a TTY", async () => {
    const file = join(dir, "nested", "amqp.log");
    const { logger, flush } = createLogger({ level: "info", file }, { isTTY: true });
    logger.info({ port: 5672, host: "::" }, "listening");
    await flush();
    const [line] = readFileSync(file, "utf8").trim().split("\n");
    expect(JSON.parse(line ?? "")).toMatchObject({ level: 30, port: 5672, host: "::", msg: "listening" });
  });

  it("appends to an existing log file", async () => {
    const file = join(dir, "append.log");
    for (const n of [1, 2]) {
      const { logger, flush } = createLogger({ level: "info", file });
      logger.info({ n }, "run");
      await flush();
    }
    expect(readFileSync(file, "utf8").trim().split("\n")).toHaveLength(2);
  });

  it("reopen() opens the file again by its path: after a rename, later lines go to a new file there", async () => {
    const file = join(dir, "rotated", "amqp.log");
    const { logger, flush, reopen } = createLogger({ level: "info", file });
    logger.info("before");
    renameSync(file, `${file}.1`);
    logger.info("renamed, not yet reopened");
    reopen();
    logger.info("after");
    await flush();
    const msgs = (path: string) => readFileSync(path, "utf8").trim().split("\n").map((l) => JSON.parse(l).msg);
    expect(msgs(`${file}.1`)).toEqual(["before", "renamed, not yet reopened"]);
    expect(msgs(file)).toEqual(["after"]);
  });

  it("reopen() on stdout does nothing", () => {
    const { reopen } = createLogger({ level: "info", file: null }, { isTTY: false });
    expect(reopen()).toBeUndefined();
  });

  it("a log file that cannot be opened is a ConfigError", () => {
    expect(() => createLogger({ level: "info", file: dir })).toThrow(ConfigError);
    expect(() => createLogger({ level: "info", file: dir })).toThrow(`log.file ${dir}: cannot open it for writing (EISDIR)`);
  });
});
