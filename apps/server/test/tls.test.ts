/**
 * The TLS listener: beside the plain one, with and without client certificates, EXTERNAL logins by
 * the certificate's CN, and certificates the CA did not sign. Certificates are made by the test.
 */
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import amqp from "amqplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../src/errors.js";
import { type RunningServer, startServer } from "../src/server.js";
import { type Certs, hasOpenssl, makeCerts } from "./certs.js";
import type { LogLine } from "./helpers.js";

const LOGIN_REFUSED = /403 \(ACCESS-REFUSED\) with message "ACCESS_REFUSED - Login was refused using authentication mechanism (\w+)/;

describe.skipIf(!hasOpenssl())("TLS", () => {
  let certs: Certs;
  beforeAll(() => {
    certs = makeCerts();
  });

  /** A server on free ports for one describe block, with `flags` and a users file in its own data dir. */
  function useServer(flags: () => string[], setup: string[][] = [], env: Record<string, string> = {}) {
    const s = { lines: [] as LogLine[] } as { server: RunningServer; lines: LogLine[] };
    beforeAll(async () => {
      const dataDir = join(certs.dir, `data-${Math.random().toString(36).slice(2)}`);
      for (const command of setup) await startServer([...command, "--data-dir", dataDir], {});
      const started = await startServer(
        ["--port", "0", "--host", "127.0.0.1", "--metrics-port", "0", "--management-port", "0", "--tls-port", "0", "--data-dir", dataDir, ...flags()],
        { AMQP_CONNECTION_HEARTBEAT: "0", ...env },
        { destination: { write: (line) => void s.lines.push(JSON.parse(line) as LogLine) } },
      );
      if (started.kind !== "running") throw new Error("expected a running server");
      s.server = started;
    });
    afterAll(() => s.server.stop());
    return s;
  }

  const tlsUrl = (port: number | undefined, user = "guest", password = "guest") => `amqps://${user}:${password}@127.0.0.1:${port}`;

  async function opens(url: string, options: object = {}): Promise<void> {
    const c = await amqp.connect(url, options);
    c.on("error", () => {});
    await (await c.createChannel()).checkExchange("amq.direct");
    await c.close();
  }

  describe("server certificate only", () => {
    const s = useServer(() => ["--tls-cert-file", certs.server.certFile, "--tls-key-file", certs.server.keyFile]);

    it("runs both listeners: PLAIN over TLS and over plain TCP", async () => {
      expect(s.server.tlsPort).toEqual(expect.any(Number));
      expect(s.lines.find((l) => l.msg === "listening for TLS")).toMatchObject({ port: s.server.tlsPort, host: "127.0.0.1" });
      await opens(tlsUrl(s.server.tlsPort), { ca: [certs.ca.cert] });
      await opens(`amqp://guest:guest@127.0.0.1:${s.server.port}`);
    });

    it("a client that does not trust the server's CA gives up", async () => {
      await expect(amqp.connect(tlsUrl(s.server.tlsPort))).rejects.toThrow(/self-signed certificate in certificate chain|unable to verify/);
    });

    it("does not offer EXTERNAL without client certificates", async () => {
      await expect(amqp.connect(tlsUrl(s.server.tlsPort), { ca: [certs.ca.cert], credentials: amqp.credentials.external() })).rejects.toThrow(
        "SASL mechanism EXTERNAL is not provided by the server",
      );
    });
  });

  describe("silent sockets on the TLS port (handshake_timeout 500 ms, at most 2 connections in the handshake)", () => {
    const s = useServer(() => ["--tls-cert-file", certs.server.certFile, "--tls-key-file", certs.server.keyFile], [], {
      AMQP_CONNECTION_HANDSHAKE_TIMEOUT: "500",
      AMQP_CONNECTION_MAX_HANDSHAKING_CONNECTIONS: "2",
    });
    const tcp = (port: number | undefined): Promise<{ socket: Socket; closed: Promise<number> }> =>
      new Promise((resolve, reject) => {
        const socket = connect({ port: port!, host: "127.0.0.1" });
        const closed = new Promise<number>((done) => socket.once("close", () => done(Date.now())));
        socket.once("connect", () => resolve({ socket, closed }));
        socket.once("error", reject);
      });

    it("a socket that never finishes its TLS handshake is closed after handshake_timeout (on main it stayed open for good)", async () => {
      const t0 = Date.now();
      const silent = await tcp(s.server.tlsPort);
      expect((await silent.closed) - t0).toBeLessThan(3000);
    });

    it("the cap counts TLS handshakes: beyond it a new socket on either port is closed at once", async () => {
      const held = [await tcp(s.server.tlsPort), await tcp(s.server.tlsPort)];
      const t0 = Date.now();
      const [tlsExtra, plainExtra] = [await tcp(s.server.tlsPort), await tcp(s.server.port)];
      expect((await tlsExtra.closed) - t0).toBeLessThan(400);
      expect((await plainExtra.closed) - t0).toBeLessThan(400);
      for (const h of held) h.socket.destroy();
      await Promise.all(held.map((h) => h.closed));
      await opens(tlsUrl(s.server.tlsPort), { ca: [certs.ca.cert] });
      await opens(`amqp://guest:guest@127.0.0.1:${s.server.port}`);
    });
  });

  describe("verify_peer: client certificates asked for, not required", () => {
    const s = useServer(
      () => ["--tls-cert-file", certs.server.certFile, "--tls-key-file", certs.server.keyFile, "--tls-ca-file", certs.ca.certFile, "--log-level", "debug"],
      [
        ["users", "add", "alice", "alice-password-not-used"],
        ["permissions", "set", "--vhost", "/", "alice", ".*", ".*", ".*"],
      ],
      { AMQP_TLS_VERIFY_PEER: "true" },
    );
    const base = () => ({ ca: [certs.ca.cert] });
    const lastRefusal = () => s.lines.filter((l) => l.msg === "login refused").at(-1)?.["reason"];

    it("EXTERNAL logs in as the certificate's CN, with no password", async () => {
      const alice = certs.client("alice");
      await opens(tlsUrl(s.server.tlsPort, "", ""), { ...base(), cert: alice.cert, key: alice.key, credentials: amqp.credentials.external() });
      expect(s.lines.filter((l) => l.msg === "connection open").at(-1)).toMatchObject({ user: "alice", vhost: "/" });
    });

    it("a client without a certificate still logs in with PLAIN, but not with EXTERNAL", async () => {
      await opens(tlsUrl(s.server.tlsPort), base());
      await expect(amqp.connect(tlsUrl(s.server.tlsPort), { ...base(), credentials: amqp.credentials.external() })).rejects.toThrow(LOGIN_REFUSED);
      expect(lastRefusal()).toBe("EXTERNAL: no verified peer certificate");
    });

    it("EXTERNAL with a CA-signed certificate for a CN that is no user is refused", async () => {
      const stranger = certs.client("stranger");
      await expect(
        amqp.connect(tlsUrl(s.server.tlsPort), { ...base(), cert: stranger.cert, key: stranger.key, credentials: amqp.credentials.external() }),
      ).rejects.toThrow(LOGIN_REFUSED);
      expect(lastRefusal()).toBe("user 'stranger' - invalid credentials");
    });

    it("a certificate from another CA is refused at the TLS layer, even for a known CN", async () => {
      const forged = certs.untrustedClient("alice");
      await expect(amqp.connect(tlsUrl(s.server.tlsPort), { ...base(), cert: forged.cert, key: forged.key, credentials: amqp.credentials.external() })).rejects.toThrow();
      expect(s.lines.find((l) => l.msg === "TLS client certificate refused")).toMatchObject({ level: 40 });
    });

    it("EXTERNAL over the plain listener has no certificate to go by", async () => {
      await expect(amqp.connect(`amqp://127.0.0.1:${s.server.port}`, { credentials: amqp.credentials.external() })).rejects.toThrow(LOGIN_REFUSED);
      expect(lastRefusal()).toBe("EXTERNAL: no verified peer certificate");
    });
  });

  describe("fail_if_no_peer_cert: client certificates required (set by AMQP_TLS_* variables)", () => {
    let server: RunningServer;
    beforeAll(async () => {
      const started = await startServer(
        ["--port", "0", "--host", "127.0.0.1", "--metrics-port", "0", "--management-port", "0", "--tls-port", "0", "--data-dir", join(certs.dir, "data-required")],
        {
          AMQP_TLS_CERT_FILE: certs.server.certFile,
          AMQP_TLS_KEY_FILE: certs.server.keyFile,
          AMQP_TLS_CA_FILE: certs.ca.certFile,
          AMQP_TLS_VERIFY_PEER: "true",
          AMQP_TLS_FAIL_IF_NO_PEER_CERT: "true",
          AMQP_CONNECTION_HEARTBEAT: "0",
        },
        { destination: { write: () => {} } },
      );
      if (started.kind !== "running") throw new Error("expected a running server");
      server = started;
    });
    afterAll(() => server.stop());

    it("refuses a client without a certificate during the TLS handshake", async () => {
      await expect(amqp.connect(tlsUrl(server.tlsPort), { ca: [certs.ca.cert] })).rejects.toThrow();
    });

    it("lets a client with a CA-signed certificate in (PLAIN here: the certificate only opens the door)", async () => {
      const c = certs.client("guest-machine");
      await opens(tlsUrl(server.tlsPort), { ca: [certs.ca.cert], cert: c.cert, key: c.key });
    });
  });

  it("a certificate file that cannot be read, or a key that is not the certificate's, stops the server", async () => {
    await expect(
      startServer(["--port", "0", "--metrics-port", "0", "--management-port", "0", "--tls-cert-file", join(certs.dir, "missing.crt"), "--tls-key-file", certs.server.keyFile], {}, {
        destination: { write: () => {} },
      }),
    ).rejects.toThrow(`tls.cert_file ${join(certs.dir, "missing.crt")}: cannot read it (ENOENT)`);
    const otherKey = certs.client("key-owner").keyFile;
    const mismatch = startServer(
      ["--port", "0", "--host", "127.0.0.1", "--metrics-port", "0", "--management-port", "0", "--tls-port", "0", "--tls-cert-file", certs.server.certFile, "--tls-key-file", otherKey],
      {},
      { destination: { write: () => {} } },
    );
    await expect(mismatch).rejects.toThrow(/^tls: .*key values mismatch/);
    await expect(mismatch).rejects.toBeInstanceOf(ConfigError);
  });
});
