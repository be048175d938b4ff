/**
 * amqpctl: runs one verb against a running server's management API and returns the exit code
 * (0, or rabbitmqctl's: 64 bad usage, 65 bad input, 69 unreachable or refused, 77 not allowed).
 * Informational lines ("Listing queues for vhost / ...") and results go to `out`, one-line errors
 * to `err` (`Error: ...`), never a stack trace.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { loadConfig } from "../config.js";
import { ConfigError } from "../errors.js";
import { CtlError, EX_DATAERR, EX_USAGE, type Endpoint, ManagementClient, seg } from "./client.js";
import { type CtlAction, type CtlCommandLine, parseCtlCommandLine } from "./command-line.js";
import { json, table } from "./format.js";
import { banner, LISTINGS } from "./listings.js";

export interface CtlIo {
  out(text: string): void;
  err(text: string): void;
  /** All of stdin, for `import_definitions -`. */
  readStdin(): Promise<string>;
}

/** Where the API is and who logs in: the flags, else the server's config (file and AMQP_* variables), else guest. */
export function endpointOf(c: CtlCommandLine, env: Readonly<Record<string, string | undefined>>): Endpoint {
  const needsConfig = (c.url === undefined && c.managementPort === undefined) || c.username === undefined || c.password === undefined;
  let config: ReturnType<typeof loadConfig> | undefined;
  if (needsConfig) {
    try {
      config = loadConfig({ file: c.configFile, env });
    } catch (err) {
      if (err instanceof ConfigError) throw new CtlError(err.message, EX_USAGE);
      throw err;
    }
  }
  let url = c.url;
  if (url === undefined) {
    const port = c.managementPort ?? String(config?.server.management_port ?? 15672);
    if (!/^\d+$/.test(port) || Number(port) === 0 || Number(port) > 0xffff) {
      throw new CtlError(port === "0" ? "the management API is off (server.management_port is 0): nothing to talk to" : `--management-port must be a port number, got ${JSON.stringify(port)}`, EX_USAGE);
    }
    const configured = config?.server.host;
    const host = c.host ?? (configured === null || configured === undefined || configured === "::" || configured === "0.0.0.0" ? "127.0.0.1" : configured);
    url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  }
  const defaultUser = config?.auth.default_user ?? null;
  const username = c.username ?? defaultUser ?? "guest";
  const password = c.password ?? (username === defaultUser ? (config?.auth.default_pass ?? "guest") : "guest");
  if (c.timeout !== undefined && !/^\d+(\.\d+)?$/.test(c.timeout)) throw new CtlError(`--timeout must be a number of seconds, got ${JSON.stringify(c.timeout)}`, EX_USAGE);
  return { url, username, password, ...(c.timeout === undefined ? {} : { timeoutMs: Number(c.timeout) * 1000 }) };
}

/** A JSON argument (a value, a definition), or a CtlError (65). */
function jsonArgument(text: string, what = "the value"): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CtlError(`${what} is not JSON: ${(err as Error).message}`, EX_DATAERR);
  }
}

/** Turns a 404 into what rabbitmqctl says of the missing object. */
async function orNotFound<T>(call: Promise<T>, message: string, exitCode?: number): Promise<T> {
  try {
    return await call;
  } catch (err) {
    if (err instanceof CtlError && / \(404\)$/.test(err.message)) throw new CtlError(message, exitCode ?? err.exitCode);
    throw err;
  }
}

async function perform(c: CtlCommandLine, a: CtlAction, api: ManagementClient, io: CtlIo): Promise<void> {
  const info = (line: string) => {
    if (!c.quiet) io.out(line);
  };
  const v = c.vhost;
  switch (a.verb) {
    case "list": {
      const listing = LISTINGS[a.listing]!;
      const columns = a.columns.length > 0 ? a.columns : listing.defaults;
      const unknown = columns.filter((k) => !listing.keys.includes(k));
      if (unknown.length > 0) throw new CtlError(`Info key(s) ${unknown.join(",")} are not supported (${a.listing} columns: ${listing.keys.join(", ")})`, EX_USAGE);
      let items = (await orNotFound(api.call("GET", listing.path(v)), `vhost '${v}' not found`)) as Record<string, unknown>[];
      if (listing.inVhost === true) items = items.filter((item) => item.vhost === v);
      const rows = items.map(listing.row);
      if (c.formatter === "json") {
        io.out(json(columns, rows));
        return;
      }
      info(banner(listing, v));
      const text = table(columns, rows, !c.silent, listing.cells);
      if (text !== "") io.out(text);
      return;
    }
    case "purge_queue":
      info(`Purging queue '${a.queue}' in vhost '${v}' ...`);
      await orNotFound(api.call("DELETE", `queues/${seg(v)}/${seg(a.queue)}/contents`), `queue '${a.queue}' in vhost '${v}' not found`);
      return;
    case "delete_queue": {
      info(`Deleting queue '${a.queue}' on vhost '${v}' ...`);
      const path = `queues/${seg(v)}/${seg(a.queue)}`;
      // A missing queue exits 64 here, as rabbitmqctl's delete_queue does (its purge_queue: 69).
      const q = (await orNotFound(api.call("GET", path), `queue '${a.queue}' in vhost '${v}' not found`, EX_USAGE)) as { messages_ready?: number };
      const query = [a.ifEmpty ? "if-empty=true" : "", a.ifUnused ? "if-unused=true" : ""].filter((s) => s !== "").join("&");
      await orNotFound(api.call("DELETE", query === "" ? path : `${path}?${query}`), `queue '${a.queue}' in vhost '${v}' not found`);
      io.out(`Queue was successfully deleted with ${q.messages_ready ?? 0} ready messages`);
      return;
    }
    case "close_connection":
      info(`Closing connection ${a.name}, reason: ${a.reason}...`);
      await orNotFound(api.call("DELETE", `connections/${seg(a.name)}`, undefined, { "x-reason": a.reason }), `connection '${a.name}' not found (list_connections name shows the names)`);
      return;
    case "close_all_connections": {
      info(a.global ? `Closing all connections, reason: ${a.reason}...` : `Closing all connections in vhost ${v}, reason: ${a.reason}...`);
      const all = (await orNotFound(api.call("GET", a.global ? "connections" : `vhosts/${seg(v)}/connections`), `vhost '${v}' not found`)) as { name: string }[];
      let closed = 0;
      for (const conn of all) {
        try {
          await api.call("DELETE", `connections/${seg(conn.name)}`, undefined, { "x-reason": a.reason });
          closed++;
        } catch (err) {
          // Gone since it was listed: nothing to close.
          if (!(err instanceof CtlError && / \(404\)$/.test(err.message))) throw err;
        }
      }
      io.out(`Closed ${closed} connections`);
      return;
    }
    case "set_policy": {
      const definition = jsonArgument(a.definition, "the definition");
      if (a.priority !== undefined && !/^-?\d+$/.test(a.priority)) throw new CtlError(`--priority must be an integer, got ${JSON.stringify(a.priority)}`, EX_USAGE);
      const priority = a.priority ?? "0";
      info(`Setting policy "${a.name}" for pattern "${a.pattern}" to "${a.definition}" with priority "${priority}" for vhost "${v}" ...`);
      const body = { pattern: a.pattern, definition, priority: Number(priority), "apply-to": a.applyTo };
      await orNotFound(api.call("PUT", `policies/${seg(v)}/${seg(a.name)}`, body), `vhost '${v}' not found`);
      return;
    }
    case "clear_policy":
      info(`Clearing policy "${a.name}" on vhost "${v}" ...`);
      await orNotFound(api.call("DELETE", `policies/${seg(v)}/${seg(a.name)}`), `policy '${a.name}' does not exist in vhost '${v}'`);
      return;
    case "set_parameter":
      info(`Setting runtime parameter "${a.name}" for component "${a.component}" to "${a.value}" in vhost "${v}" ...`);
      await orNotFound(api.call("PUT", `parameters/${seg(a.component)}/${seg(v)}/${seg(a.name)}`, { value: jsonArgument(a.value) }), `vhost '${v}' not found`);
      return;
    case "clear_parameter":
      info(`Clearing runtime parameter "${a.name}" for component "${a.component}" on vhost "${v}" ...`);
      await orNotFound(api.call("DELETE", `parameters/${seg(a.component)}/${seg(v)}/${seg(a.name)}`), "Parameter does not exist");
      return;
    case "set_global_parameter":
      info(`Setting global runtime parameter "${a.name}" to "${a.value}" ...`);
      await api.call("PUT", `global-parameters/${seg(a.name)}`, { value: jsonArgument(a.value) });
      return;
    case "clear_global_parameter":
      info(`Clearing global runtime parameter "${a.name}" ...`);
      await orNotFound(api.call("DELETE", `global-parameters/${seg(a.name)}`), "Parameter does not exist");
      return;
    case "export_definitions": {
      const defs = await api.call("GET", "definitions");
      if (a.file === "-") {
        io.out(JSON.stringify(defs));
        return;
      }
      info(`Exporting definitions in JSON to a file at "${a.file}" ...`);
      try {
        writeFileSync(a.file, `${JSON.stringify(defs, null, 2)}\n`);
      } catch (err) {
        throw new CtlError(`cannot write ${a.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, EX_DATAERR);
      }
      return;
    }
    case "import_definitions": {
      let text: string;
      try {
        text = a.file === "-" ? await io.readStdin() : readFileSync(a.file, "utf8");
      } catch (err) {
        throw new CtlError(`cannot read ${a.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, EX_DATAERR);
      }
      let defs: unknown;
      try {
        defs = JSON.parse(text);
      } catch (err) {
        throw new CtlError(`${a.file === "-" ? "stdin" : a.file} is not JSON: ${(err as Error).message}`, EX_DATAERR);
      }
      if (defs === null || typeof defs !== "object" || Array.isArray(defs)) throw new CtlError(`${a.file}: not a definitions file (a JSON object)`, EX_DATAERR);
      info(a.file === "-" ? "Importing definitions in JSON from standard input ..." : `Importing definitions in JSON from a file at "${a.file}" ...`);
      await api.call("POST", "definitions", defs);
      io.out("Imported definitions.");
      return;
    }
  }
}

/** Runs amqpctl with `args` (argv without node and the script); resolves with the exit code. */
export async function runCtl(args: readonly string[], env: Readonly<Record<string, string | undefined>>, io: CtlIo): Promise<number> {
  try {
    const c = parseCtlCommandLine(args);
    if (c.kind === "print") {
      io.out(c.text);
      return 0;
    }
    await perform(c, c.action, new ManagementClient(endpointOf(c, env)), io);
    return 0;
  } catch (err) {
    if (err instanceof CtlError) {
      io.err(`Error: ${err.message}`);
      return err.exitCode;
    }
    io.err(`Error: ${(err as Error).message}`);
    return 70;
  }
}
