/** Spec names (`routing-key`, `start-ok`) -> TypeScript names. */

function words(name: string): string[] {
  return name.split(/[-_ ]+/).filter((w) => w.length > 0);
}

const upperFirst = (w: string): string => w.charAt(0).toUpperCase() + w.slice(1);

/** `routing-key` -> `routingKey`, `reserved-1` -> `reserved1`. */
export function camelCase(name: string): string {
  const [first = "", ...rest] = words(name);
  return first + rest.map(upperFirst).join("");
}

/** `basic` + `get-ok` -> `BasicGetOk`. */
export function pascalCase(...names: string[]): string {
  return names.flatMap(words).map(upperFirst).join("");
}

/** `not-found` -> `NOT_FOUND`. */
export function constantCase(name: string): string {
  return words(name)
    .map((w) => w.toUpperCase())
    .join("_");
}
