/**
 * Test certificates, made with the openssl command line in a temporary directory (node:crypto
 * cannot make X.509 certificates): a CA, a server certificate for localhost and 127.0.0.1, client
 * certificates it signs, and a second CA that the server does not trust. EC P-256 keys, so the
 * whole set takes well under a second.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function hasOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const CONFIG = `
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
[client]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
`;

export interface KeyPair {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: Buffer;
  readonly key: Buffer;
}

export interface Certs {
  readonly dir: string;
  readonly ca: KeyPair;
  readonly server: KeyPair;
  /** A client certificate signed by `ca` for the subject CN `cn`. */
  client(cn: string): KeyPair;
  /** A client certificate for `cn` signed by a CA the server does not trust. */
  untrustedClient(cn: string): KeyPair;
}

export function makeCerts(): Certs {
  const dir = mkdtempSync(join(tmpdir(), "amqp-server-certs-"));
  const config = join(dir, "openssl.cnf");
  writeFileSync(config, CONFIG);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  const newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  let serial = 1;
  const pair = (name: string): KeyPair => {
    const certFile = join(dir, `${name}.crt`);
    const keyFile = join(dir, `${name}.key`);
    return { certFile, keyFile, cert: readFileSync(certFile), key: readFileSync(keyFile) };
  };
  const selfSigned = (name: string, cn: string): KeyPair => {
    openssl("req", "-x509", "-config", config, "-extensions", "ca", ...newKey, "-keyout", `${name}.key`, "-out", `${name}.crt`, "-days", "2", "-subj", `/CN=${cn}`);
    return pair(name);
  };
  const signed = (name: string, subject: string, by: string, extensions: "server" | "client"): KeyPair => {
    openssl("req", "-new", "-config", config, ...newKey, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subject);
    openssl("x509", "-req", "-in", `${name}.csr`, "-CA", `${by}.crt`, "-CAkey", `${by}.key`, "-set_serial", String(++serial), "-days", "2", "-extfile", config, "-extensions", extensions, "-out", `${name}.crt`);
    return pair(name);
  };
  const ca = selfSigned("ca", "amqp-go test CA");
  const server = signed("server", "/CN=localhost", "ca", "server");
  let untrustedCa = false;
  return {
    dir,
    ca,
    server,
    client: (cn) => signed(`client-${cn}`, `/O=amqp-go tests/CN=${cn}`, "ca", "client"),
    untrustedClient(cn) {
      if (!untrustedCa) selfSigned("untrusted-ca", "someone else's CA");
      untrustedCa = true;
      return signed(`untrusted-${cn}`, `/CN=${cn}`, "untrusted-ca", "client");
    },
  };
}
