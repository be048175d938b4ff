/**
 * A user's permissions in one vhost, as RabbitMQ has them: three regular expressions, configure
 * (declare, delete), write (publish, bind to) and read (consume, get, purge, bind from), each
 * matched against the name of the queue or exchange.
 *
 * Matching is RabbitMQ's (rabbit_auth_backend_internal:check_resource_access): the pattern is not
 * anchored, so "^amq\.gen" must say `^` itself and "foo" allows "x-foo-y"; an empty pattern means
 * "^$", which matches no name RabbitMQ lets you create. Patterns are JavaScript regular expressions;
 * RabbitMQ's are PCRE, the same for what permissions are written with (`.*`, `^$`, prefixes,
 * alternations, classes).
 */
import type { Permission } from "@amqp-go/broker";

export type NameMatcher = (name: string) => boolean;

export interface PermissionPatterns {
  readonly configure: string;
  readonly write: string;
  readonly read: string;
}

const anything: NameMatcher = () => true;

/** The matcher of one pattern; ".*", by far the most common, costs no regular expression. */
export function compilePattern(pattern: string): NameMatcher {
  if (pattern === ".*") return anything;
  const re = new RegExp(pattern === "" ? "^$" : pattern);
  return (name) => re.test(name);
}

/** Why `pattern` is not a valid regular expression, or undefined. */
export function patternError(pattern: string): string | undefined {
  try {
    new RegExp(pattern);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

export class VhostPermissions implements Readonly<Record<Permission, NameMatcher>> {
  readonly configure: NameMatcher;
  readonly write: NameMatcher;
  readonly read: NameMatcher;

  constructor(readonly patterns: PermissionPatterns) {
    this.configure = compilePattern(patterns.configure);
    this.write = compilePattern(patterns.write);
    this.read = compilePattern(patterns.read);
  }
}
