import { describe, expect, it } from "vitest";
import { GuestAuthenticator } from "../authenticator.js";
import { ChannelError } from "../errors.js";
import type { Authenticator, Permission, Resource } from "../ports.js";
import { Permissions } from "./permissions.js";

/** An authenticator that grants what `allow` says and records every question. */
function asking(allow: (p: Permission, r: Resource) => boolean): { auth: Authenticator; asked: string[] } {
  const asked: string[] = [];
  const auth: Authenticator = {
    mechanisms: ["PLAIN"],
    authenticate: () => ({ ok: true, user: "u" }),
    canAccessVhost: () => true,
    checkPermission(user, vhost, permission, resource) {
      asked.push(`${user}@${vhost} ${permission} ${resource.kind} ${resource.name}`);
      return allow(permission, resource);
    },
  };
  return { auth, asked };
}

describe("Permissions", () => {
  it("allows everything, and asks nothing, when the authenticator checks no permissions", () => {
    const p = new Permissions(new GuestAuthenticator(), "guest", "/");
    expect(p.checked).toBe(false);
    expect(() => p.permit("configure", "queue", "q")).not.toThrow();
  });

  it("asks about the default exchange as amq.default, as RabbitMQ does", () => {
    const { auth, asked } = asking(() => true);
    const p = new Permissions(auth, "alice", "v");
    expect(p.checked).toBe(true);
    p.permit("write", "exchange", "");
    p.permit("read", "queue", "");
    expect(asked).toEqual(["alice@v write exchange amq.default", "alice@v read queue "]);
  });

  it("refuses with 403 and RabbitMQ's text", () => {
    const { auth } = asking((permission) => permission !== "write");
    const p = new Permissions(auth, "bob", "/");
    expect(() => p.permit("read", "queue", "q")).not.toThrow();
    let error: unknown;
    try {
      p.permit("write", "exchange", "");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ChannelError);
    expect((error as ChannelError).replyCode).toBe(403);
    expect((error as ChannelError).message).toBe("access to exchange 'amq.default' in vhost '/' refused for user 'bob'");
  });
});
