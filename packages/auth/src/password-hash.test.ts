import { describe, expect, it } from "vitest";
import { decoyVerify, hashPassword, rabbitPasswordHash, storedPasswordError, verifyPassword } from "./password-hash.js";

const cheap = { log2N: 10, r: 8, p: 1 };

describe("scrypt hashes", () => {
  it("are PHC strings with their cost, a 16-octet salt and a 32-octet key, and verify", async () => {
    const stored = hashPassword("s3cret", cheap);
    expect(stored.hashing_algorithm).toBe("scrypt");
    expect(stored.password_hash).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(storedPasswordError(stored)).toBeUndefined();
    expect(await verifyPassword(stored, "s3cret")).toBe(true);
    expect(await verifyPassword(stored, "s3cret ")).toBe(false);
    expect(await verifyPassword(stored, "")).toBe(false);
  });

  it("are salted: the same password hashes differently each time", () => {
    expect(hashPassword("same", cheap).password_hash).not.toBe(hashPassword("same", cheap).password_hash);
  });

  it("use 2^15, r=8, p=1 by default", async () => {
    const stored = hashPassword("pw");
    expect(stored.password_hash).toMatch(/^\$scrypt\$ln=15,r=8,p=1\$/);
    expect(await verifyPassword(stored, "pw")).toBe(true);
  });

  it("refuse malformed hashes and absurd costs", async () => {
    for (const password_hash of ["$scrypt$ln=10,r=8,p=1$short$short", "$scrypt$ln=40,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "plain"]) {
      expect(storedPasswordError({ hashing_algorithm: "scrypt", password_hash })).toMatch(/is not a \$scrypt/);
      expect(await verifyPassword({ hashing_algorithm: "scrypt", password_hash }, "x")).toBe(false);
    }
  });

  it("an empty hash is a user without a password: no password matches", async () => {
    expect(storedPasswordError({ hashing_algorithm: "scrypt", password_hash: "" })).toBeUndefined();
    expect(await verifyPassword({ hashing_algorithm: "scrypt", password_hash: "" }, "")).toBe(false);
  });

  it("the decoy check for unknown users never matches", async () => {
    expect(await decoyVerify("anything")).toBe(false);
  });
});

describe("RabbitMQ's salted hashes", () => {
  it("match RabbitMQ's own vectors (MD5 from its mailing list, SHA-256 from an export)", async () => {
    const md5 = rabbitPasswordHash("simon", "rabbit_password_hashing_md5", Buffer.from("cad5089b", "hex"));
    expect(md5.password_hash).toBe("ytUIm8s3AnKsXQjptplKFytfVxI=");
    const exported = { hashing_algorithm: "rabbit_password_hashing_sha256", password_hash: "y4xPTRVfzXg68sz9ALqeQzARam3CwnGo53xS752cDV5+Utzh" };
    expect(await verifyPassword(exported, "1")).toBe(true);
    expect(await verifyPassword(exported, "2")).toBe(false);
  });

  it("verify for sha256, sha512 and md5", async () => {
    for (const algorithm of ["rabbit_password_hashing_sha256", "rabbit_password_hashing_sha512", "rabbit_password_hashing_md5"]) {
      const stored = rabbitPasswordHash("pässword", algorithm);
      expect(storedPasswordError(stored)).toBeUndefined();
      expect(await verifyPassword(stored, "pässword")).toBe(true);
      expect(await verifyPassword(stored, "password")).toBe(false);
    }
  });

  it("an unknown algorithm or a hash of the wrong length is an error", () => {
    expect(storedPasswordError({ hashing_algorithm: "rabbit_password_hashing_sha1", password_hash: "AAAA" })).toMatch(/unknown hashing_algorithm/);
    expect(storedPasswordError({ hashing_algorithm: "rabbit_password_hashing_sha256", password_hash: "AAAA" })).toMatch(/is not a rabbit_password_hashing_sha256 hash/);
  });
});
