/**
 * The broker's Authenticator for users, vhosts and permissions from a UserDb (a users file), with
 * SASL mechanisms from a registry. Decisions follow RabbitMQ's internal backend:
 *
 * - an unknown user and a wrong password get the same reason, "user 'u' - invalid credentials"
 *   (and take the same time: an unknown user still costs one scrypt);
 * - a blank password is refused; EXTERNAL and ANONYMOUS log in without one;
 * - users in `loopbackUsers` (guest) log in from a loopback address only;
 * - a vhost may be opened by a user with permissions on it; an operation is allowed when the
 *   permission's regular expression matches the resource name.
 *
 * Failed logins count against their source address (LoginRateLimiter): past its limit, attempts
 * from there wait before they are checked, but a right password still gets in. Reasons name the
 * user, never the password. A successful password check is remembered (an HMAC of the password, keyed by
 * a random key of this process, per user and stored hash) so that a client reconnecting does not
 * pay scrypt again; changing the password in the file invalidates it.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { type Authenticator, type LoginAttempt, type LoginResult, type Logger, type Permission, type Resource, silentLogger } from "@amqp-go/broker";
import { type LoginRateLimit, LoginRateLimiter } from "./login-rate-limit.js";
import { MechanismRegistry } from "./mechanism.js";
import { amqplain } from "./mechanisms/amqplain.js";
import { plain } from "./mechanisms/plain.js";
import { decoyVerify, verifyPassword } from "./password-hash.js";
import type { User, UserDb } from "./user-db.js";

export interface UsersAuthenticatorOptions {
  readonly db: UserDb;
  /** Default: PLAIN and AMQPLAIN. */
  readonly mechanisms?: MechanismRegistry;
  /** Users allowed from loopback addresses only; default ["guest"], RabbitMQ's loopback_users. */
  readonly loopbackUsers?: readonly string[];
  /** Default 10 failures a minute per address. */
  readonly rateLimit?: LoginRateLimit | LoginRateLimiter;
  readonly logger?: Logger;
  /** Whether an address is loopback; replaceable for tests. */
  readonly isLoopback?: (address: string) => boolean;
}

/** 127.0.0.0/8, ::1, and IPv4 loopback mapped into IPv6. */
export function isLoopback(address: string): boolean {
  return address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127.");
}

/** Remembered successful checks beyond this many are forgotten all at once. */
const VERIFIED_MAX = 10_000;

export class UsersAuthenticator implements Authenticator {
  private current: UserDb;
  readonly registry: MechanismRegistry;
  readonly limiter: LoginRateLimiter;
  private loopbackUsers: ReadonlySet<string>;
  private readonly log: Logger;
  private readonly isLoopback: (address: string) => boolean;
  private readonly hmacKey = randomBytes(32);
  /** `user NUL stored hash` -> HMAC of the password that matched it. */
  private readonly verified = new Map<string, Buffer>();

  constructor(options: UsersAuthenticatorOptions) {
    this.current = options.db;
    this.registry = options.mechanisms ?? new MechanismRegistry([plain, amqplain]);
    const limit = options.rateLimit ?? { maxFailures: 10, windowMs: 60_000 };
    this.limiter = limit instanceof LoginRateLimiter ? limit : new LoginRateLimiter(limit);
    this.loopbackUsers = new Set(options.loopbackUsers ?? ["guest"]);
    this.log = options.logger ?? silentLogger;
    this.isLoopback = options.isLoopback ?? isLoopback;
  }

  get mechanisms(): readonly string[] {
    return this.registry.names;
  }

  get db(): UserDb {
    return this.current;
  }

  /** Users who may log in from loopback addresses only, from the next login on (a reloaded config). */
  setLoopbackUsers(names: readonly string[]): void {
    this.loopbackUsers = new Set(names);
  }

  /** Decides with `db` from now on (a reloaded users file); logins being checked finish against it too. */
  update(db: UserDb): void {
    this.current = db;
  }

  authenticate(attempt: LoginAttempt): LoginResult | Promise<LoginResult> {
    const wait = this.limiter.delayFor(attempt.remoteAddress);
    if (wait === 0) return this.check(attempt);
    return new Promise((resolve) => setTimeout(resolve, wait)).then(() => this.check(attempt));
  }

  private check(attempt: LoginAttempt): LoginResult | Promise<LoginResult> {
    const address = attempt.remoteAddress;
    const mechanism = this.registry.get(attempt.mechanism);
    if (mechanism === undefined) return this.refuse(address, `mechanism ${attempt.mechanism} is not offered`);
    const identity = mechanism.identify(attempt);
    if (typeof identity === "string") return this.refuse(address, identity);
    const user = this.current.users.get(identity.user);
    const password = identity.password;
    const invalid = `user '${identity.user}' - invalid credentials`;
    if (password === undefined) return user === undefined ? this.refuse(address, invalid) : this.admit(address, user);
    if (password === "") return this.refuse(address, `user '${identity.user}' attempted to log in with a blank password`);
    if (user === undefined) return decoyVerify(password).then(() => this.refuse(address, invalid));
    const cacheKey = `${user.name}\0${user.password.password_hash}`;
    const mac = createHmac("sha256", this.hmacKey).update(password, "utf8").digest();
    const known = this.verified.get(cacheKey);
    if (known !== undefined && timingSafeEqual(known, mac)) return this.admit(address, user);
    return verifyPassword(user.password, password).then((ok) => {
      if (!ok) return this.refuse(address, invalid);
      if (this.verified.size >= VERIFIED_MAX) this.verified.clear();
      this.verified.set(cacheKey, mac);
      return this.admit(address, user);
    });
  }

  private admit(address: string, user: User): LoginResult {
    // The file may have been reloaded while the password was checked.
    if (this.current.users.get(user.name) === undefined) return this.refuse(address, `user '${user.name}' - invalid credentials`);
    if (this.loopbackUsers.has(user.name) && !this.isLoopback(address)) {
      return this.refuse(address, `user '${user.name}' - can only connect via localhost`);
    }
    this.limiter.succeeded(address);
    return { ok: true, user: user.name };
  }

  private refuse(address: string, reason: string): LoginResult {
    if (this.limiter.failed(address)) {
      const { maxFailures, windowMs } = this.limiter.limit;
      this.log.warn({ address, failures: maxFailures, windowMs }, "too many failed logins: slowing down logins from this address");
    }
    return { ok: false, reason };
  }

  canAccessVhost(user: string, vhost: string): boolean {
    return this.current.permissionsOf(user, vhost) !== undefined;
  }

  checkPermission(user: string, vhost: string, permission: Permission, resource: Resource): boolean {
    const p = this.current.permissionsOf(user, vhost);
    return p !== undefined && p[permission](resource.name);
  }
}
