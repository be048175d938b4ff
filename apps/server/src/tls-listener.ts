/**
 * The AMQPS listener (RabbitMQ's `listeners.ssl`, port 5671): TLS in front of the same broker,
 * beside the plain listener. With verify_peer it asks for a client certificate and, as Erlang's
 * verify_peer does, refuses one the CA did not sign; with fail_if_no_peer_cert it also refuses
 * clients without one. A verified certificate's subject is what EXTERNAL logs in with.
 *
 * The TLS handshake counts as part of the AMQP handshake: both together must finish within
 * handshake_timeout, and a TCP connection takes its place among the broker's connections in the
 * handshake (maxHandshakingConnections) as it arrives, so silent TLS sockets cannot pile up.
 */
import type { Socket } from "node:net";
import { readFileSync } from "node:fs";
import { createServer, type Server, type TlsOptions, type TLSSocket } from "node:tls";
import type { Broker } from "@amqp-go/broker";
import type { Logger } from "pino";
import { type ServerConfig, tlsEnabled } from "./config.js";
import { ConfigError } from "./errors.js";

export interface TlsListener {
  readonly port: number;
  readonly address: string;
  /** Stops accepting; resolves once every TLS connection is gone (the broker closes them). */
  close(): Promise<void>;
}

/** The certificate, key and CA read from their files: done before starting, so a bad path is a config error. */
export function tlsOptions(config: ServerConfig): TlsOptions | undefined {
  if (!tlsEnabled(config)) return undefined;
  const { tls } = config;
  const read = (key: string, path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new ConfigError(`tls.${key} ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  };
  const options: TlsOptions = {
    cert: read("cert_file", tls.cert_file!),
    key: read("key_file", tls.key_file!),
    requestCert: tls.verify_peer,
    rejectUnauthorized: tls.fail_if_no_peer_cert,
  };
  if (tls.ca_file !== null) options.ca = read("ca_file", tls.ca_file);
  return options;
}

export function listenTls(options: TlsOptions, config: ServerConfig, broker: Broker, logger: Logger): Promise<TlsListener> {
  let server: Server;
  try {
    server = createServer({ ...options, handshakeTimeout: config.connection.handshake_timeout });
  } catch (err) {
    // A key that does not match the certificate, a file that is not PEM...
    throw new ConfigError(`tls: ${(err as Error).message}`);
  }
  const verifyPeer = config.tls.verify_peer;
  /** TCP connections in their TLS handshake, by remote address and port: when each came and how it leaves. */
  const handshaking = new Map<string, { connectedAt: number; leave: () => void; timer: NodeJS.Timeout }>();
  const timeout = config.connection.handshake_timeout;
  server.on("connection", (raw: Socket) => {
    const leave = broker.enterHandshake();
    if (leave === null) return broker.refuseHandshake(raw);
    const key = `${raw.remoteAddress}:${raw.remotePort}`;
    // Node's own handshakeTimeout never fires for a socket that sends nothing at all.
    const timer = setTimeout(() => {
      logger.warn({ remote: key }, "TLS handshake timeout");
      raw.destroy();
    }, timeout);
    timer.unref();
    handshaking.set(key, { connectedAt: Date.now(), leave, timer });
    raw.once("close", () => {
      clearTimeout(timer);
      // Idempotent: after accept() the connection gives its place back at open.
      leave();
      if (handshaking.get(key)?.leave === leave) handshaking.delete(key);
    });
  });
  server.on("secureConnection", (socket: TLSSocket) => {
    const key = `${socket.remoteAddress}:${socket.remotePort}`;
    const entry = handshaking.get(key);
    handshaking.delete(key);
    if (entry !== undefined) clearTimeout(entry.timer);
    if (verifyPeer && !socket.authorized && Object.keys(socket.getPeerCertificate()).length > 0) {
      logger.warn({ remote: key, reason: socket.authorizationError?.toString() }, "TLS client certificate refused");
      socket.destroy();
      return;
    }
    if (entry === undefined) broker.accept(socket);
    else broker.accept(socket, { connectedAt: entry.connectedAt, leaveHandshake: entry.leave });
  });
  server.on("tlsClientError", (err, socket) => {
    logger.info({ remote: `${socket.remoteAddress}:${socket.remotePort}`, err: err.message }, "TLS handshake failed");
  });
  const host = config.server.host;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.tls.port, host ?? undefined, () => {
      server.off("error", reject);
      const a = server.address();
      if (a === null || typeof a === "string") return reject(new Error("no address"));
      const closed = new Promise<void>((done) => server.once("close", () => done()));
      resolve({
        port: a.port,
        address: a.address,
        close() {
          server.close();
          return closed;
        },
      });
    });
  });
}
