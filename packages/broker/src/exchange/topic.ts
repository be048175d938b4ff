/**
 * The topic exchange: binding keys are patterns of dot-separated words, where `*` stands for
 * exactly one word and `#` for zero or more (see topic-trie.ts for the matching).
 *
 * Publishers reuse a small set of routing keys, so the destinations of recent keys are cached:
 * a hit is one map lookup and a copy into `out`, with no splitting or trie walk. Any binding
 * change empties the cache, which is what lets a cached entry share a BindingSet's live
 * `destinations` array when only one pattern matched. The cache is bounded (oldest key evicted
 * first), since keys may carry ids and never repeat.
 */
import type { FieldTable } from "@amqp-go/protocol";
import { type BindingSet, pushAll } from "./binding-set.js";
import type { Destination, ExchangeOptions } from "./exchange.js";
import { KeyedExchange } from "./keyed-exchange.js";
import { TopicTrie, topicWords } from "./topic-trie.js";

/** Routing keys whose destinations a topic exchange remembers. */
export const TOPIC_CACHE_SIZE = 1024;

const NO_DESTINATIONS: readonly Destination[] = Object.freeze([]);

export class TopicExchange extends KeyedExchange {
  readonly type = "topic";
  private readonly trie = new TopicTrie<BindingSet>();
  private readonly cache = new Map<string, readonly Destination[]>();
  /** Scratch list of matched sets, reused by every cache miss. */
  private readonly matched: BindingSet[] = [];

  constructor(
    name: string,
    options: ExchangeOptions,
    private readonly cacheSize = TOPIC_CACHE_SIZE,
  ) {
    super(name, options);
  }

  route(routingKey: string, _headers: FieldTable | undefined, out: Destination[]): void {
    pushAll(this.cache.get(routingKey) ?? this.lookup(routingKey), out);
  }

  /** Routing keys currently cached: for tests. */
  get cachedKeys(): number {
    return this.cache.size;
  }

  protected override keyAdded(pattern: string, set: BindingSet): void {
    this.trie.set(pattern, set);
  }

  protected override keyRemoved(pattern: string): void {
    this.trie.delete(pattern);
  }

  protected override bindingsChanged(): void {
    this.cache.clear();
  }

  /** A cache miss: walks the trie and caches the distinct destinations found. */
  private lookup(routingKey: string): readonly Destination[] {
    const matched = this.matched;
    this.trie.match(topicWords(routingKey), matched);
    let result: readonly Destination[];
    if (matched.length === 0) result = NO_DESTINATIONS;
    else if (matched.length === 1) result = matched[0]!.destinations;
    else result = distinct(matched);
    matched.length = 0;
    if (this.cacheSize > 0) {
      if (this.cache.size >= this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(routingKey, result);
    }
    return result;
  }
}

/** The destinations of several sets, each once (a queue bound by "a.*" and "a.#", say).
 * Destinations are canonical objects per exchange (KeyedExchange), so identity suffices. */
function distinct(sets: readonly BindingSet[]): Destination[] {
  const seen = new Set<Destination>();
  const out: Destination[] = [];
  for (const set of sets) {
    for (const d of set.destinations) {
      if (seen.has(d)) continue;
      seen.add(d);
      out.push(d);
    }
  }
  return out;
}
