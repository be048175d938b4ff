/**
 * Global parameters (RabbitMQ's `rabbitmqctl set_global_parameter`, /api/global-parameters):
 * names with any JSON value, kept in `<data-dir>/global-parameters.json` (in memory without a data
 * directory). `internal_cluster_id` is there from the start, as RabbitMQ creates it on first boot.
 * The file is read on each call and replaced whole on each change: it is small, and the server's
 * boot-time definitions import and the API may each hold a GlobalParameters on the same file.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface GlobalParameter {
  readonly name: string;
  readonly value: unknown;
}

export const GLOBAL_PARAMETERS_FILE = "global-parameters.json";

export class GlobalParameters {
  private readonly path: string | null;
  private memory: GlobalParameter[] | null = null;

  /** `dataDir` "" keeps them in memory. `clusterId`: internal_cluster_id until one is set. */
  constructor(
    dataDir: string,
    private readonly clusterId: string,
  ) {
    this.path = dataDir === "" ? null : join(dataDir, GLOBAL_PARAMETERS_FILE);
  }

  /** In the order they were first set. */
  list(): GlobalParameter[] {
    if (this.path === null) return (this.memory ??= this.initial());
    if (!existsSync(this.path)) return this.initial();
    const json = JSON.parse(readFileSync(this.path, "utf8")) as unknown;
    if (!Array.isArray(json)) throw new Error(`${this.path}: not a list of global parameters`);
    return json as GlobalParameter[];
  }

  get(name: string): GlobalParameter | undefined {
    return this.list().find((p) => p.name === name);
  }

  /** Sets one; true when it is new. */
  set(name: string, value: unknown): boolean {
    const all = this.list();
    const at = all.findIndex((p) => p.name === name);
    if (at >= 0) all[at] = { name, value };
    else all.push({ name, value });
    this.save(all);
    return at < 0;
  }

  /** Deletes one; false when there was none. */
  delete(name: string): boolean {
    const all = this.list();
    const kept = all.filter((p) => p.name !== name);
    if (kept.length === all.length) return false;
    this.save(kept);
    return true;
  }

  private initial(): GlobalParameter[] {
    return [{ name: "internal_cluster_id", value: this.clusterId }];
  }

  private save(all: GlobalParameter[]): void {
    if (this.path === null) {
      this.memory = all;
      return;
    }
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(all, null, 2)}\n`);
    renameSync(tmp, this.path);
  }
}
