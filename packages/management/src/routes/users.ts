/**
 * /api/users, /api/whoami's siblings and /api/permissions: the users file, read from the running
 * authenticator and changed through the ManagementUsers port (administrators only).
 */
import {
  addUser,
  changePassword,
  clearPermissions,
  deleteUser,
  hashPassword,
  type StoredPassword,
  setPermissions,
  setTags,
  storedPasswordError,
  UsersEditError,
  type UsersFile,
} from "@amqp-go/auth";
import { badRequest, notFound } from "../http-error.js";
import { usersFileOfDb } from "../management-users.js";
import { type ApiRequest, created, list, noContent, ok, type Route } from "../route.js";

/** Applies an edit of the users file; what it refuses is a 400. */
export function editUsers(req: ApiRequest, edit: (f: UsersFile) => UsersFile): void {
  try {
    req.api.users.edit(edit);
  } catch (err) {
    if (err instanceof UsersEditError) throw badRequest(err.message);
    throw err;
  }
}

const current = (req: ApiRequest) => usersFileOfDb(req.api.users.authenticator.db);

function userView(u: UsersFile["users"][number]) {
  return { name: u.name, password_hash: u.password_hash, hashing_algorithm: u.hashing_algorithm, tags: [...u.tags], limits: {} };
}

const permissionView = (p: UsersFile["permissions"][number]) => ({ user: p.user, vhost: p.vhost, configure: p.configure, write: p.write, read: p.read });

/** Tags as RabbitMQ takes them: a comma-separated string (3.10) or an array. */
function tagsOf(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v.map(String).filter((t) => t !== "");
  return String(v)
    .split(",")
    .map((t) => t.trim())
    .filter((t) => t !== "");
}

function passwordOf(body: Record<string, unknown>): StoredPassword | undefined {
  if (typeof body.password === "string") {
    if (body.password === "") throw badRequest("password must not be empty");
    return hashPassword(body.password);
  }
  if (typeof body.password_hash === "string") {
    const p = { hashing_algorithm: String(body.hashing_algorithm ?? "rabbit_password_hashing_sha256"), password_hash: body.password_hash };
    const problem = storedPasswordError(p);
    if (problem !== undefined) throw badRequest(`password_hash ${problem}`);
    return p;
  }
  return undefined;
}

function findUser(req: ApiRequest) {
  const u = current(req).users.find((x) => x.name === req.params.user);
  if (u === undefined) throw notFound();
  return u;
}

function findPermission(req: ApiRequest) {
  const p = current(req).permissions.find((x) => x.user === req.params.user && x.vhost === req.params.vhost);
  if (p === undefined) throw notFound();
  return p;
}

export const userRoutes: Route[] = [
  { method: "GET", path: "users", access: "administrator", handle: (req) => list(current(req).users.map(userView), req) },
  {
    method: "GET",
    path: "users/without-permissions",
    access: "administrator",
    handle: (req) => {
      const f = current(req);
      return list(f.users.filter((u) => !f.permissions.some((p) => p.user === u.name)).map(userView), req);
    },
  },
  { method: "GET", path: "users/:user", access: "administrator", handle: (req) => ok(userView(findUser(req))) },
  {
    method: "PUT",
    path: "users/:user",
    access: "administrator",
    handle: (req) => {
      const name = req.params.user!;
      const body = req.body;
      if (body.tags === undefined) throw badRequest("[{key_missing,tags}]");
      const tags = tagsOf(body.tags);
      const password = passwordOf(body);
      const exists = req.api.users.authenticator.db.users.has(name);
      if (!exists && password === undefined) throw badRequest("[{key_missing,password_or_password_hash}]");
      editUsers(req, (f) => {
        if (!f.users.some((u) => u.name === name)) return addUser(f, name, password!, tags);
        const tagged = setTags(f, name, tags);
        return password === undefined ? tagged : changePassword(tagged, name, password);
      });
      return exists ? noContent() : created();
    },
  },
  {
    method: "DELETE",
    path: "users/:user",
    access: "administrator",
    handle: (req) => {
      findUser(req);
      editUsers(req, (f) => deleteUser(f, req.params.user!));
      return noContent();
    },
  },
  {
    method: "GET",
    path: "users/:user/permissions",
    access: "administrator",
    handle: (req) => {
      findUser(req);
      return list(current(req).permissions.filter((p) => p.user === req.params.user).map(permissionView), req);
    },
  },
  { method: "GET", path: "permissions", access: "administrator", handle: (req) => list(current(req).permissions.map(permissionView), req) },
  {
    method: "GET",
    path: "vhosts/:vhost/permissions",
    access: "administrator",
    handle: (req) => {
      req.api.vhost(req.params.vhost!);
      return list(current(req).permissions.filter((p) => p.vhost === req.params.vhost).map(permissionView), req);
    },
  },
  { method: "GET", path: "permissions/:vhost/:user", access: "administrator", handle: (req) => ok(permissionView(findPermission(req))) },
  {
    method: "PUT",
    path: "permissions/:vhost/:user",
    access: "administrator",
    handle: (req) => {
      const { vhost, user } = req.params as { vhost: string; user: string };
      const f = current(req);
      if (!f.vhosts.some((v) => v.name === vhost) || !f.users.some((u) => u.name === user)) throw notFound();
      const b = req.body;
      for (const k of ["configure", "write", "read"]) if (typeof b[k] !== "string") throw badRequest(`[{key_missing,${k}}]`);
      const existed = f.permissions.some((p) => p.user === user && p.vhost === vhost);
      editUsers(req, (file) => setPermissions(file, user, vhost, { configure: b.configure as string, write: b.write as string, read: b.read as string }));
      return existed ? noContent() : created();
    },
  },
  {
    method: "DELETE",
    path: "permissions/:vhost/:user",
    access: "administrator",
    handle: (req) => {
      findPermission(req);
      editUsers(req, (f) => clearPermissions(f, req.params.user!, req.params.vhost!));
      return noContent();
    },
  },
];
