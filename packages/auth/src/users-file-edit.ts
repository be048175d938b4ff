/**
 * Edits of a users file, as rabbitmqctl makes them: each takes a file and returns the edited copy,
 * or throws a UsersEditError saying why not. Deleting a user or a vhost deletes its permissions, as
 * RabbitMQ does.
 */
import { UsersEditError } from "./errors.js";
import type { StoredPassword } from "./password-hash.js";
import { type PermissionPatterns, patternError } from "./permissions.js";
import type { PermissionEntry, UserEntry, UsersFile, VhostEntry } from "./users-file.js";

function user(file: UsersFile, name: string): UserEntry {
  const u = file.users.find((x) => x.name === name);
  if (u === undefined) throw new UsersEditError(`user '${name}' does not exist`);
  return u;
}

function vhost(file: UsersFile, name: string): VhostEntry {
  const v = file.vhosts.find((x) => x.name === name);
  if (v === undefined) throw new UsersEditError(`vhost '${name}' does not exist`);
  return v;
}

function checkName(kind: string, name: string): void {
  if (name === "") throw new UsersEditError(`a ${kind} name cannot be empty`);
}

export function addUser(file: UsersFile, name: string, password: StoredPassword, tags: readonly string[] = []): UsersFile {
  checkName("user", name);
  if (file.users.some((u) => u.name === name)) throw new UsersEditError(`user '${name}' already exists`);
  return { ...file, users: [...file.users, { name, ...password, tags: [...tags] }] };
}

export function deleteUser(file: UsersFile, name: string): UsersFile {
  user(file, name);
  return { ...file, users: file.users.filter((u) => u.name !== name), permissions: file.permissions.filter((p) => p.user !== name) };
}

export function changePassword(file: UsersFile, name: string, password: StoredPassword): UsersFile {
  const u = user(file, name);
  return { ...file, users: file.users.map((x) => (x === u ? { ...x, ...password } : x)) };
}

export function setTags(file: UsersFile, name: string, tags: readonly string[]): UsersFile {
  const u = user(file, name);
  return { ...file, users: file.users.map((x) => (x === u ? { ...x, tags: [...tags] } : x)) };
}

export function addVhost(file: UsersFile, name: string): UsersFile {
  checkName("vhost", name);
  if (file.vhosts.some((v) => v.name === name)) throw new UsersEditError(`vhost '${name}' already exists`);
  return { ...file, vhosts: [...file.vhosts, { name }] };
}

export function deleteVhost(file: UsersFile, name: string): UsersFile {
  vhost(file, name);
  return { ...file, vhosts: file.vhosts.filter((v) => v.name !== name), permissions: file.permissions.filter((p) => p.vhost !== name) };
}

export function setPermissions(file: UsersFile, userName: string, vhostName: string, patterns: PermissionPatterns): UsersFile {
  user(file, userName);
  vhost(file, vhostName);
  for (const kind of ["configure", "write", "read"] as const) {
    const problem = patternError(patterns[kind]);
    if (problem !== undefined) throw new UsersEditError(`${kind}: ${problem}`);
  }
  const entry: PermissionEntry = { user: userName, vhost: vhostName, configure: patterns.configure, write: patterns.write, read: patterns.read };
  const rest = file.permissions.filter((p) => p.user !== userName || p.vhost !== vhostName);
  return { ...file, permissions: [...rest, entry] };
}

/** Clearing permissions that are not set is no error, as with rabbitmqctl. */
export function clearPermissions(file: UsersFile, userName: string, vhostName: string): UsersFile {
  user(file, userName);
  vhost(file, vhostName);
  return { ...file, permissions: file.permissions.filter((p) => p.user !== userName || p.vhost !== vhostName) };
}

/**
 * Merges RabbitMQ definitions (or another users file) into `file`: users, vhosts and permissions
 * of the same name are replaced, others added. Queues, exchanges and the rest are not imported.
 */
export function importDefinitions(file: UsersFile, definitions: UsersFile): UsersFile {
  const byName = <T extends { readonly name: string }>(mine: readonly T[], theirs: readonly T[]): T[] => [
    ...mine.filter((m) => !theirs.some((t) => t.name === m.name)),
    ...theirs,
  ];
  const permissions = [
    ...file.permissions.filter((p) => !definitions.permissions.some((d) => d.user === p.user && d.vhost === p.vhost)),
    ...definitions.permissions,
  ];
  return { ...file, users: byName(file.users, definitions.users), vhosts: byName(file.vhosts, definitions.vhosts), permissions };
}
