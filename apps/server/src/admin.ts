/**
 * Runs a user-management command against the users file, under its lock, and returns what to
 * print. Passwords are hashed (scrypt) before anything is written; they are never printed.
 */
import { readFileSync } from "node:fs";
import {
  addUser,
  addVhost,
  changePassword,
  clearPermissions,
  deleteUser,
  deleteVhost,
  editUsersFile,
  hashPassword,
  importDefinitions,
  initialUsersFile,
  readUsersFile,
  setPermissions,
  setTags,
  type UsersFile,
  UsersFileError,
  usersFileOf,
} from "@amqp-go/auth";
import type { AdminCommandLine } from "./admin-cli.js";
import { loadConfig } from "./config.js";
import { initialUsers, usersFilePath } from "./users.js";

export function runAdmin(command: AdminCommandLine, env: Readonly<Record<string, string | undefined>>): string {
  const config = loadConfig({ file: command.configFile, env, flags: command.flags });
  const path = usersFilePath(config);
  const a = command.action;

  /** The file as the server would see it: without one, the first-boot user (guest, or auth.default_user) and "/". */
  const current = (): UsersFile => readUsersFile(path)?.file ?? initialUsersFile({ hashing_algorithm: "scrypt", password_hash: "" }, config.auth.default_user ?? "guest");
  const edit = (fn: (f: UsersFile) => UsersFile, done: string): string => {
    const { created } = editUsersFile(path, (f) => ({ file: fn(f), result: undefined }), initialUsers(config));
    const first = config.auth.default_user === null ? "guest (password guest, localhost only)" : `${config.auth.default_user} (auth.default_user)`;
    return created ? `created ${path}, starting with user ${first} and vhost /\n${done}` : done;
  };
  const table = (header: string[], rows: string[][]): string => [header, ...rows].map((r) => r.join("\t")).join("\n");

  switch (a.action) {
    case "users add":
      return edit((f) => addUser(f, a.name, hashPassword(a.password), a.tags), `user '${a.name}' added`);
    case "users delete":
      return edit((f) => deleteUser(f, a.name), `user '${a.name}' deleted`);
    case "users passwd":
      return edit((f) => changePassword(f, a.name, hashPassword(a.password)), `password of user '${a.name}' changed`);
    case "users set-tags":
      return edit((f) => setTags(f, a.name, a.tags), `tags of user '${a.name}' set to [${a.tags.join(", ")}]`);
    case "users list":
      return table(["user", "tags"], current().users.map((u) => [u.name, `[${u.tags.join(", ")}]`]));
    case "vhosts add":
      return edit((f) => addVhost(f, a.name), `vhost '${a.name}' added`);
    case "vhosts delete":
      return edit((f) => deleteVhost(f, a.name), `vhost '${a.name}' deleted`);
    case "vhosts list":
      return table(["name"], current().vhosts.map((v) => [v.name]));
    case "permissions set": {
      const patterns = { configure: a.configure, write: a.write, read: a.read };
      return edit((f) => setPermissions(f, a.name, a.vhost, patterns), `permissions of user '${a.name}' in vhost '${a.vhost}' set`);
    }
    case "permissions clear":
      return edit((f) => clearPermissions(f, a.name, a.vhost), `permissions of user '${a.name}' in vhost '${a.vhost}' cleared`);
    case "permissions list": {
      const rows = current().permissions.filter((p) => a.vhost === undefined || p.vhost === a.vhost);
      return table(["vhost", "user", "configure", "write", "read"], rows.map((p) => [p.vhost, p.user, p.configure, p.write, p.read]));
    }
    case "definitions import": {
      const definitions = readDefinitions(a.file);
      const n = definitions;
      return edit(
        (f) => importDefinitions(f, definitions),
        `imported ${n.users.length} users, ${n.vhosts.length} vhosts and ${n.permissions.length} permissions from ${a.file}`,
      );
    }
  }
}

function readDefinitions(file: string): UsersFile {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new UsersFileError(`${file}: ${(err as Error).message}`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new UsersFileError(`${file}: not a definitions file (a JSON object)`);
  return usersFileOf(json as Record<string, unknown>, file);
}
