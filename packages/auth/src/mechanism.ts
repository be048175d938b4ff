/**
 * SASL mechanisms. A mechanism reads connection.start-ok's response (and, for EXTERNAL, the TLS
 * client certificate) and says who is logging in; the authenticator then checks that user. A
 * registry holds the mechanisms offered, so one is added without touching the broker:
 *
 *   registry.register({ name: "X-TOKEN", identify: (attempt) => ... })
 */
import type { LoginAttempt } from "@amqp-go/broker";

/**
 * Who a login claims to be. With a password, the password is checked against the user's hash;
 * without one, the mechanism itself vouches for the user (EXTERNAL: the CA did; ANONYMOUS: config).
 */
export interface Identity {
  readonly user: string;
  readonly password?: string;
}

export interface Mechanism {
  /** As offered in connection.start: "PLAIN", "AMQPLAIN", "EXTERNAL"... */
  readonly name: string;
  /** The identity claimed, or why the response is refused (logged, never sent to the client). */
  identify(attempt: LoginAttempt): Identity | string;
}

export class MechanismRegistry {
  private readonly byName = new Map<string, Mechanism>();

  constructor(mechanisms: readonly Mechanism[] = []) {
    for (const m of mechanisms) this.register(m);
  }

  /** Adds or replaces a mechanism; it is offered after those registered before it. */
  register(mechanism: Mechanism): this {
    this.byName.set(mechanism.name, mechanism);
    return this;
  }

  get(name: string): Mechanism | undefined {
    return this.byName.get(name);
  }

  /** Names in the order offered. */
  get names(): string[] {
    return [...this.byName.keys()];
  }
}
