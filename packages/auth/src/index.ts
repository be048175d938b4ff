/** @amqp-go/auth: users, vhost permissions and SASL mechanisms for the amqp-go broker. */
export { UsersEditError, UsersFileError } from "./errors.js";
export { type LoginRateLimit, LoginRateLimiter } from "./login-rate-limit.js";
export { type Identity, type Mechanism, MechanismRegistry } from "./mechanism.js";
export { amqplain } from "./mechanisms/amqplain.js";
export { anonymous } from "./mechanisms/anonymous.js";
export { external } from "./mechanisms/external.js";
export { plain } from "./mechanisms/plain.js";
export {
  DEFAULT_SCRYPT_COST,
  decoyVerify,
  hashPassword,
  rabbitPasswordHash,
  type ScryptCost,
  type StoredPassword,
  storedPasswordError,
  verifyPassword,
} from "./password-hash.js";
export { compilePattern, type NameMatcher, type PermissionPatterns, patternError, VhostPermissions } from "./permissions.js";
export { type User, UserDb } from "./user-db.js";
export { isLoopback, UsersAuthenticator, type UsersAuthenticatorOptions } from "./users-authenticator.js";
export {
  initialUsersFile,
  parseUsersFile,
  type PermissionEntry,
  serializeUsersFile,
  type UserEntry,
  type UsersFile,
  usersFileOf,
  type VhostEntry,
} from "./users-file.js";
export {
  addUser,
  addVhost,
  changePassword,
  clearPermissions,
  deleteUser,
  deleteVhost,
  importDefinitions,
  setPermissions,
  setTags,
} from "./users-file-edit.js";
export { type Edited, editUsersFile, type LoadedUsersFile, readUsersFile, writeUsersFile } from "./users-file-store.js";
export { type UsersFileChange, UsersFileWatcher, type UsersFileWatcherOptions } from "./users-file-watcher.js";
