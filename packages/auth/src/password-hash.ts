/**
 * Password hashes as stored in the users file: `{hashing_algorithm, password_hash}`, the two fields
 * of a user in a RabbitMQ definitions file.
 *
 * New passwords are hashed with scrypt (memory-hard, in node:crypto, run off the event loop) and
 * stored as a PHC string: `$scrypt$ln=15,r=8,p=1$<salt>$<key>` (unpadded base64; N = 2^ln). The
 * cost is in the string, so it can be raised later without breaking stored hashes.
 *
 * RabbitMQ's own hashes are verified too, so its definitions import as they are:
 *
 *   password_hash = base64( salt[4] ++ H(salt[4] ++ utf8(password)) )
 *   H = SHA-256 (rabbit_password_hashing_sha256, the default since 3.6), SHA-512 or MD5
 *
 * A single salted SHA-256 is fast to brute-force offline, so these are accepted, never written.
 */
import { createHash, randomBytes, scrypt, scryptSync, timingSafeEqual } from "node:crypto";

export interface StoredPassword {
  readonly hashing_algorithm: string;
  /** Empty: the user has no password (certificate or anonymous login only). */
  readonly password_hash: string;
}

export const SCRYPT = "scrypt";

/** RabbitMQ's algorithms and their digests. */
const RABBIT: Readonly<Record<string, string>> = {
  rabbit_password_hashing_sha256: "sha256",
  rabbit_password_hashing_sha512: "sha512",
  rabbit_password_hashing_md5: "md5",
};

export interface ScryptCost {
  /** N = 2^log2N. */
  readonly log2N: number;
  readonly r: number;
  readonly p: number;
}

/**
 * 2^15 x 8 x 1: 32 MiB and about 80 ms per hash on the project's machine. OWASP's minimum is
 * 2^17 (128 MiB, 340 ms here), too much to pay per AMQP connection; successful logins are cached
 * (see UsersAuthenticator), failed ones rate-limited.
 */
export const DEFAULT_SCRYPT_COST: ScryptCost = { log2N: 15, r: 8, p: 1 };

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
const PHC = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{16,})\$([A-Za-z0-9+/]{16,})$/;

const b64 = (b: Buffer): string => b.toString("base64").replace(/=+$/, "");

interface ParsedScrypt {
  readonly cost: ScryptCost;
  readonly salt: Buffer;
  readonly key: Buffer;
}

function parseScrypt(hash: string): ParsedScrypt | undefined {
  const m = PHC.exec(hash);
  if (m === null) return undefined;
  const cost = { log2N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  // Bounds keep a hand-edited file from asking for gigabytes.
  if (cost.log2N < 1 || cost.log2N > 20 || cost.r < 1 || cost.r > 32 || cost.p < 1 || cost.p > 16) return undefined;
  return { cost, salt: Buffer.from(m[4]!, "base64"), key: Buffer.from(m[5]!, "base64") };
}

const scryptOptions = (c: ScryptCost) => ({ N: 2 ** c.log2N, r: c.r, p: c.p, maxmem: 256 * 2 ** c.log2N * c.r });

/** A new scrypt hash of `password` (synchronous: for the CLI and tests, not the event loop of a server). */
export function hashPassword(password: string, cost: ScryptCost = DEFAULT_SCRYPT_COST): StoredPassword {
  const salt = randomBytes(SALT_LENGTH);
  const key = scryptSync(password, salt, KEY_LENGTH, scryptOptions(cost));
  return { hashing_algorithm: SCRYPT, password_hash: `$scrypt$ln=${cost.log2N},r=${cost.r},p=${cost.p}$${b64(salt)}$${b64(key)}` };
}

/** A hash in RabbitMQ's format, as `rabbitmqctl export_definitions` writes it. */
export function rabbitPasswordHash(
  password: string,
  algorithm = "rabbit_password_hashing_sha256",
  salt: Buffer = randomBytes(4),
): StoredPassword {
  const digest = RABBIT[algorithm];
  if (digest === undefined) throw new Error(`unknown RabbitMQ hashing algorithm '${algorithm}'`);
  const hash = createHash(digest).update(salt).update(password, "utf8").digest();
  return { hashing_algorithm: algorithm, password_hash: Buffer.concat([salt, hash]).toString("base64") };
}

/** What is wrong with a stored password, or undefined when it can be verified. */
export function storedPasswordError(stored: StoredPassword): string | undefined {
  if (stored.password_hash === "") return undefined;
  if (stored.hashing_algorithm === SCRYPT) {
    return parseScrypt(stored.password_hash) === undefined ? "is not a $scrypt$ln=..,r=..,p=..$salt$key hash" : undefined;
  }
  const digest = RABBIT[stored.hashing_algorithm];
  if (digest === undefined) return `has an unknown hashing_algorithm '${stored.hashing_algorithm}' (scrypt, ${Object.keys(RABBIT).join(", ")})`;
  const raw = Buffer.from(stored.password_hash, "base64");
  return raw.length === 4 + createHash(digest).digest().length ? undefined : `is not a ${stored.hashing_algorithm} hash`;
}

/** Whether `password` matches; scrypt runs on libuv's thread pool. False for an empty or unreadable hash. */
export function verifyPassword(stored: StoredPassword, password: string): Promise<boolean> {
  if (stored.password_hash === "") return Promise.resolve(false);
  if (stored.hashing_algorithm !== SCRYPT) return Promise.resolve(verifyRabbit(stored, password));
  const parsed = parseScrypt(stored.password_hash);
  if (parsed === undefined) return Promise.resolve(false);
  return new Promise((resolve) => {
    scrypt(password, parsed.salt, parsed.key.length, scryptOptions(parsed.cost), (err, key) => {
      resolve(err === null && timingSafeEqual(key, parsed.key));
    });
  });
}

function verifyRabbit(stored: StoredPassword, password: string): boolean {
  const raw = Buffer.from(stored.password_hash, "base64");
  if (storedPasswordError(stored) !== undefined || raw.length < 4) return false;
  const again = Buffer.from(rabbitPasswordHash(password, stored.hashing_algorithm, raw.subarray(0, 4)).password_hash, "base64");
  return timingSafeEqual(again, raw);
}

/** The scrypt of a login for a user that does not exist, so that its answer takes as long as a wrong password's. */
const DECOY: StoredPassword = {
  hashing_algorithm: SCRYPT,
  password_hash: `$scrypt$ln=${DEFAULT_SCRYPT_COST.log2N},r=${DEFAULT_SCRYPT_COST.r},p=${DEFAULT_SCRYPT_COST.p}$${"A".repeat(22)}$${"A".repeat(43)}`,
};

export function decoyVerify(password: string): Promise<boolean> {
  return verifyPassword(DECOY, password).then(() => false);
}
