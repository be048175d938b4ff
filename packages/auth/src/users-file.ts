/**
 * The users file: JSON in the shape of a RabbitMQ definitions file (`rabbitmqctl
 * export_definitions`), limited to what access control needs, so such a file can be imported or
 * used as it is:
 *
 *   {
 *     "users": [{ "name": "alice", "hashing_algorithm": "scrypt", "password_hash": "$scrypt$...", "tags": ["administrator"] }],
 *     "vhosts": [{ "name": "/" }],
 *     "permissions": [{ "user": "alice", "vhost": "/", "configure": ".*", "write": ".*", "read": ".*" }]
 *   }
 *
 * Other keys (a definitions file's queues, exchanges, policies...) and other fields of an entry are
 * kept as they are when the file is rewritten. Parsing checks everything, so a file that parses is
 * one the broker can use: unique names, known hashes, permissions naming existing users and vhosts,
 * valid regular expressions.
 */
import { UsersFileError } from "./errors.js";
import { type StoredPassword, storedPasswordError } from "./password-hash.js";
import { type PermissionPatterns, patternError } from "./permissions.js";

export interface UserEntry extends StoredPassword {
  readonly name: string;
  readonly tags: readonly string[];
  readonly [field: string]: unknown;
}

export interface VhostEntry {
  readonly name: string;
  readonly [field: string]: unknown;
}

export interface PermissionEntry extends PermissionPatterns {
  readonly user: string;
  readonly vhost: string;
  readonly [field: string]: unknown;
}

export interface UsersFile {
  readonly users: readonly UserEntry[];
  readonly vhosts: readonly VhostEntry[];
  readonly permissions: readonly PermissionEntry[];
  /** Every other top-level key, kept for rewriting. */
  readonly other: Readonly<Record<string, unknown>>;
}

/** RabbitMQ's default hashing when a (pre-3.6.1) export does not name one. */
const DEFAULT_ALGORITHM = "rabbit_password_hashing_sha256";

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Parses and checks the text of a users file; `source` (its path) starts every error message. */
export function parseUsersFile(text: string, source: string): UsersFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UsersFileError(`${source}: not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(json)) throw new UsersFileError(`${source}: must hold a JSON object with users, vhosts and permissions`);
  return usersFileOf(json, source);
}

/** Checks a users file (or RabbitMQ definitions) already parsed from JSON. */
export function usersFileOf(json: Json, source: string): UsersFile {
  const fail = (what: string): never => {
    throw new UsersFileError(`${source}: ${what}`);
  };
  const list = (key: string): Json[] => {
    const v = json[key] ?? [];
    if (!Array.isArray(v)) fail(`"${key}" must be an array`);
    (v as unknown[]).forEach((e, i) => isObject(e) || fail(`${key}[${i}] must be an object`));
    return v as Json[];
  };
  const text = (e: Json, where: string, key: string, allowEmpty = false): string => {
    const v = e[key];
    if (typeof v !== "string" || (!allowEmpty && v === "")) fail(`${where}.${key} must be a ${allowEmpty ? "" : "non-empty "}string`);
    return v as string;
  };

  const users: UserEntry[] = [];
  const userNames = new Set<string>();
  list("users").forEach((e, i) => {
    const where = `users[${i}]`;
    const name = text(e, where, "name");
    if (userNames.has(name)) fail(`${where}: user '${name}' is listed twice`);
    userNames.add(name);
    const password_hash = text(e, where, "password_hash", true);
    const hashing_algorithm = e.hashing_algorithm === undefined ? DEFAULT_ALGORITHM : text(e, where, "hashing_algorithm");
    const problem = storedPasswordError({ hashing_algorithm, password_hash });
    if (problem !== undefined) fail(`${where} (user '${name}'): password_hash ${problem}`);
    users.push({ ...e, name, password_hash, hashing_algorithm, tags: tagsOf(e.tags, where, fail) });
  });

  const vhosts: VhostEntry[] = [];
  const vhostNames = new Set<string>();
  list("vhosts").forEach((e, i) => {
    const where = `vhosts[${i}]`;
    const name = text(e, where, "name");
    if (vhostNames.has(name)) fail(`${where}: vhost '${name}' is listed twice`);
    vhostNames.add(name);
    vhosts.push({ ...e, name });
  });

  const permissions: PermissionEntry[] = [];
  const pairs = new Set<string>();
  list("permissions").forEach((e, i) => {
    const where = `permissions[${i}]`;
    const user = text(e, where, "user");
    const vhost = text(e, where, "vhost");
    if (!userNames.has(user)) fail(`${where}: no user '${user}' in users`);
    if (!vhostNames.has(vhost)) fail(`${where}: no vhost '${vhost}' in vhosts`);
    const pair = `${user}\0${vhost}`;
    if (pairs.has(pair)) fail(`${where}: permissions of user '${user}' in vhost '${vhost}' are listed twice`);
    pairs.add(pair);
    const patterns = { configure: "", write: "", read: "" };
    for (const kind of ["configure", "write", "read"] as const) {
      patterns[kind] = text(e, where, kind, true);
      const problem = patternError(patterns[kind]);
      if (problem !== undefined) fail(`${where}.${kind}: ${problem}`);
    }
    permissions.push({ ...e, user, vhost, ...patterns });
  });

  const other: Json = {};
  for (const [key, value] of Object.entries(json)) if (key !== "users" && key !== "vhosts" && key !== "permissions") other[key] = value;
  return { users, vhosts, permissions, other };
}

/** RabbitMQ writes tags as an array (3.12+) or one comma-separated string (before). */
function tagsOf(tags: unknown, where: string, fail: (what: string) => never): string[] {
  if (tags === undefined || tags === null || tags === "") return [];
  if (typeof tags === "string") return tags.split(",").map((t) => t.trim()).filter((t) => t !== "");
  if (Array.isArray(tags) && tags.every((t) => typeof t === "string")) return tags as string[];
  return fail(`${where}.tags must be an array of strings or a comma-separated string`);
}

/** The file's text: its other keys first (as a definitions file orders them), then ours; 2-space JSON. */
export function serializeUsersFile(file: UsersFile): string {
  return `${JSON.stringify({ ...file.other, users: file.users, vhosts: file.vhosts, permissions: file.permissions }, null, 2)}\n`;
}

/**
 * What RabbitMQ creates on first boot, and so what a new users file starts from: vhost "/", and the
 * default user (tag administrator) with every permission on it: guest unless another is configured
 * (RabbitMQ's default_user), in which case guest is not created. guest may log in from localhost only.
 */
export function initialUsersFile(password: StoredPassword, user = "guest"): UsersFile {
  return {
    users: [{ name: user, ...password, tags: ["administrator"] }],
    vhosts: [{ name: "/" }],
    permissions: [{ user, vhost: "/", configure: ".*", write: ".*", read: ".*" }],
    other: {},
  };
}
