/**
 * A trie of topic patterns, one edge per word, with `*` and `#` as edges of their own, as in
 * RabbitMQ. Matching walks the trie along the routing key's words, so its cost grows with the key
 * and the wildcards on its path, not with the number of patterns.
 *
 * Words are what lies between dots, empty ones included: "a..b" is ["a", "", "b"], "." is
 * ["", ""]; but "" is no words at all (RabbitMQ's split_topic_key), so "#" and the pattern ""
 * match it and "*" does not.
 *
 * A `#` may swallow any number of words, so "#.#.#.#" could be tried in exponentially many
 * ways. Matching is a walk over (node, word position) states instead: at a `#` node it either
 * swallows one more word or stops and goes on to the children, and each `#` node remembers the
 * positions already visited in this match (stamped with a match counter, so nothing is cleared or
 * allocated per match). Every state is visited once: O(nodes x words) at worst.
 */

/** Splits a routing key or pattern into words. */
export function topicWords(key: string): string[] {
  return key === "" ? [] : key.split(".");
}

class TopicNode<T> {
  /** Children by literal word; created on first use since most nodes are leaves. */
  words: Map<string, TopicNode<T>> | undefined = undefined;
  star: TopicNode<T> | undefined = undefined;
  hash: TopicNode<T> | undefined = undefined;
  /** What a pattern ending here maps to. */
  value: T | undefined = undefined;
  /** For `#` nodes: seen[i] is the match counter when position i was last visited. */
  readonly seen: number[] | undefined;

  constructor(isHash: boolean) {
    this.seen = isHash ? [] : undefined;
  }

  child(word: string): TopicNode<T> | undefined {
    if (word === "*") return this.star;
    if (word === "#") return this.hash;
    return this.words?.get(word);
  }

  addChild(word: string): TopicNode<T> {
    const node = new TopicNode<T>(word === "#");
    if (word === "*") this.star = node;
    else if (word === "#") this.hash = node;
    else (this.words ??= new Map()).set(word, node);
    return node;
  }

  deleteChild(word: string): void {
    if (word === "*") this.star = undefined;
    else if (word === "#") this.hash = undefined;
    else if (this.words !== undefined) {
      this.words.delete(word);
      if (this.words.size === 0) this.words = undefined;
    }
  }

  get isEmpty(): boolean {
    return this.value === undefined && this.words === undefined && this.star === undefined && this.hash === undefined;
  }
}

export class TopicTrie<T> {
  private readonly root = new TopicNode<T>(false);
  /** Counts matches; marks `#` node states visited by the current one. */
  private epoch = 0;

  /** Maps `pattern` to `value` (replacing any value it had). */
  set(pattern: string, value: T): void {
    let node = this.root;
    for (const word of topicWords(pattern)) node = node.child(word) ?? node.addChild(word);
    node.value = value;
  }

  /** Forgets `pattern` and prunes the nodes left with nothing under them; false if absent. */
  delete(pattern: string): boolean {
    const words = topicWords(pattern);
    const path = [this.root];
    let node = this.root;
    for (const word of words) {
      const next = node.child(word);
      if (next === undefined) return false;
      path.push((node = next));
    }
    if (node.value === undefined) return false;
    node.value = undefined;
    for (let i = words.length; i > 0 && path[i]!.isEmpty; i--) path[i - 1]!.deleteChild(words[i - 1]!);
    return true;
  }

  /** Pushes onto `out` the value of every pattern matching the routing key split into `words`,
   * each once. */
  match(words: readonly string[], out: T[]): void {
    this.epoch++;
    this.visit(this.root, words, 0, out);
  }

  /** How many nodes the trie holds, root included: for tests of pruning. */
  get nodeCount(): number {
    return count(this.root);
  }

  /** `node` has been reached with words[0..i) consumed. */
  private visit(node: TopicNode<T>, words: readonly string[], i: number, out: T[]): void {
    if (node.hash !== undefined) this.visitHash(node.hash, words, i, out);
    if (i === words.length) {
      if (node.value !== undefined) out.push(node.value);
      return;
    }
    const child = node.words?.get(words[i]!);
    if (child !== undefined) this.visit(child, words, i + 1, out);
    if (node.star !== undefined) this.visit(node.star, words, i + 1, out);
  }

  /** The `#` node `hash` entered at position i: it stops after swallowing words[i..j), any j. */
  private visitHash(hash: TopicNode<T>, words: readonly string[], i: number, out: T[]): void {
    const seen = hash.seen!;
    for (let j = i; j <= words.length; j++) {
      // Visited positions form a suffix: whoever marked j also went on through words.length.
      if (seen[j] === this.epoch) return;
      seen[j] = this.epoch;
      this.visit(hash, words, j, out);
    }
  }
}

function count<T>(node: TopicNode<T>): number {
  let n = 1;
  if (node.words !== undefined) for (const c of node.words.values()) n += count(c);
  if (node.star !== undefined) n += count(node.star);
  if (node.hash !== undefined) n += count(node.hash);
  return n;
}
