import type { LoginAttempt } from "@amqp-go/broker";
import { describe, expect, it } from "vitest";
import { MechanismRegistry } from "./mechanism.js";
import { amqplain } from "./mechanisms/amqplain.js";
import { anonymous } from "./mechanisms/anonymous.js";
import { external } from "./mechanisms/external.js";
import { plain } from "./mechanisms/plain.js";

const attempt = (mechanism: string, response: Buffer, subject?: Record<string, string | string[]>): LoginAttempt => ({
  mechanism,
  response,
  remoteAddress: "127.0.0.1",
  peerCertificateSubject: subject,
});

/** An AMQPLAIN response as amqplib writes it: a table of longstrs without its length. */
function amqplainResponse(login: string, password: string): Buffer {
  const parts: Buffer[] = [];
  for (const [k, v] of [["LOGIN", login], ["PASSWORD", password]] as const) {
    const value = Buffer.from(v);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(value.length);
    parts.push(Buffer.from([k.length]), Buffer.from(k), Buffer.from("S"), len, value);
  }
  return Buffer.concat(parts);
}

describe("mechanisms", () => {
  it("PLAIN reads [authzid] NUL user NUL password, in UTF-8", () => {
    expect(plain.identify(attempt("PLAIN", Buffer.from("\0alice\0pä\0ss")))).toEqual({ user: "alice", password: "pä\0ss" });
    expect(plain.identify(attempt("PLAIN", Buffer.from("admin\0alice\0pw")))).toEqual({ user: "alice", password: "pw" });
    expect(plain.identify(attempt("PLAIN", Buffer.from("alice")))).toMatch(/not \[authzid\] NUL user NUL password/);
  });

  it("AMQPLAIN reads LOGIN and PASSWORD from a field table", () => {
    expect(amqplain.identify(attempt("AMQPLAIN", amqplainResponse("bob", "pw")))).toEqual({ user: "bob", password: "pw" });
    expect(amqplain.identify(attempt("AMQPLAIN", Buffer.from([5, 1, 2])))).toMatch(/not a field table|lacks/);
  });

  it("EXTERNAL takes the verified certificate's CN and nothing else", () => {
    expect(external.identify(attempt("EXTERNAL", Buffer.alloc(0), { O: "org", CN: "carol" }))).toEqual({ user: "carol" });
    expect(external.identify(attempt("EXTERNAL", Buffer.from("ignored")))).toBe("EXTERNAL: no verified peer certificate");
    expect(external.identify(attempt("EXTERNAL", Buffer.alloc(0), { O: "org" }))).toMatch(/no common name/);
    expect(external.identify(attempt("EXTERNAL", Buffer.alloc(0), { CN: ["a", "b"] }))).toMatch(/2 common names/);
  });

  it("ANONYMOUS logs in as its configured user", () => {
    expect(anonymous("visitor").identify(attempt("ANONYMOUS", Buffer.from("trace")))).toEqual({ user: "visitor" });
  });

  it("the registry offers mechanisms in the order registered, and takes new ones", () => {
    const r = new MechanismRegistry([plain, amqplain]);
    r.register({ name: "X-TOKEN", identify: () => ({ user: "t" }) });
    expect(r.names).toEqual(["PLAIN", "AMQPLAIN", "X-TOKEN"]);
    expect(r.get("X-TOKEN")?.identify(attempt("X-TOKEN", Buffer.alloc(0)))).toEqual({ user: "t" });
    expect(r.get("CRAM-MD5")).toBeUndefined();
  });
});
