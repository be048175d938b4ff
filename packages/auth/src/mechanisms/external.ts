/**
 * EXTERNAL: the user is the common name (CN) of the TLS client certificate the CA verified, as
 * RabbitMQ's rabbitmq_auth_mechanism_ssl with `ssl_cert_login_from = common_name`. The response is
 * ignored. The user must exist in the users file; no password is checked.
 */
import type { Mechanism } from "../mechanism.js";

export const external: Mechanism = {
  name: "EXTERNAL",
  identify({ peerCertificateSubject }) {
    if (peerCertificateSubject === undefined) return "EXTERNAL: no verified peer certificate";
    const cn = peerCertificateSubject.CN;
    if (Array.isArray(cn)) return `EXTERNAL: the peer certificate has ${cn.length} common names`;
    if (cn === undefined || cn === "") return "EXTERNAL: the peer certificate has no common name";
    return { user: cn };
  },
};
