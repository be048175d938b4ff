/**
 * The Dockerfile and the systemd unit cannot run here (no container engine, no systemd), so this
 * checks what can drift: the README shows them as they are, the README's docker commands are the
 * Dockerfile's, the ports and paths are the settings' defaults, and the unit starts the package's bin.
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { describe, expect, it } from "vitest";
import { SETTINGS } from "../src/settings.js";

const read = (path: string): string => readFileSync(new URL(path, import.meta.url), "utf8");
const dockerfile = read("../../../Dockerfile");
const unit = read("../../../packaging/amqp-go.service");
const readme = read("../README.md");
const pkg = JSON.parse(read("../package.json")) as { name: string; bin: Record<string, string> };
const binName = Object.keys(pkg.bin)[0] as string;

/** The README's fenced blocks of a language. */
function blocks(lang: string): string[] {
  return [...readme.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, "g"))].map((m) => m[1] as string);
}
/** Dockerfile instructions: KEYWORD -> arguments, in order. */
const instructions = dockerfile
  .split("\n")
  .filter((l) => l !== "" && !l.startsWith("#"))
  .map((l) => {
    const at = l.indexOf(" ");
    return { keyword: l.slice(0, at), args: l.slice(at + 1) };
  });
const args = (keyword: string): string[] => instructions.filter((i) => i.keyword === keyword).map((i) => i.args);

describe("Dockerfile", () => {
  it("is in the README as it is", () => {
    expect(blocks("dockerfile")).toEqual([dockerfile]);
  });

  it("the README's docker commands are the ones the Dockerfile gives", () => {
    const commands = blocks("sh").flatMap((b) => b.split("\n")).filter((l) => l.startsWith("docker "));
    expect(commands).toEqual(["docker build -t amqp-go .", expect.stringMatching(/^docker run /), "docker kill -s HUP amqp-go"]);
    const inDockerfile = dockerfile.split("\n").filter((l) => l.startsWith("#   docker ")).map((l) => l.slice(4));
    expect(commands).toEqual(inDockerfile);
  });

  it("is multi-stage, builds and deploys this package, runs its bin as a user that is not root", () => {
    expect(args("FROM")).toEqual(["node:20-bookworm AS build", "node:20-bookworm-slim"]);
    expect(args("RUN")).toContain(`pnpm --filter ${pkg.name} deploy --prod /opt/amqp-go && chmod +x /opt/amqp-go/${pkg.bin[binName]?.replace("./", "")}`);
    expect(args("RUN")).toContain(`ln -s /opt/amqp-go/${pkg.bin[binName]?.replace("./", "")} /usr/local/bin/${binName}`);
    expect(args("ENTRYPOINT")).toEqual([JSON.stringify([binName])]);
    expect(args("USER")).toEqual(["amqp"]);
  });

  it("the data dir is a volume; the exposed ports are the defaults; the health check asks /readyz on the metrics port", () => {
    expect(args("ENV").join(" ")).toContain("AMQP_SERVER_DATA_DIR=/var/lib/amqp-go");
    expect(args("VOLUME")).toEqual(['["/var/lib/amqp-go"]']);
    const { port, metrics_port, management_port } = SETTINGS.server;
    expect(args("EXPOSE")).toEqual([[port, SETTINGS.tls.port, metrics_port, management_port].map((s) => s.value.default).join(" ")]);
    const [health] = args("HEALTHCHECK");
    expect(health).toContain(`(process.env.AMQP_SERVER_METRICS_PORT || ${metrics_port.value.default}) + '/readyz'`);
  });
});

describe("systemd unit", () => {
  const line = (key: string): string | undefined => unit.split("\n").find((l) => l.startsWith(`${key}=`))?.slice(key.length + 1);

  it("is in the README as it is", () => {
    expect(blocks("ini")).toEqual([unit]);
  });

  it("ExecStart runs the installed binary: the package's bin, by an absolute path", () => {
    const [command] = (line("ExecStart") ?? "").split(" ");
    expect(command).toMatch(/^\//);
    expect(basename(command ?? "")).toBe(binName);
    expect(line("ExecStart")).toContain("--config /etc/amqp-go/amqp-server.yaml");
  });

  it("reloads with SIGHUP, runs as a user that is not root, keeps its data in its state directory", () => {
    expect(line("ExecReload")).toBe("/bin/kill -HUP $MAINPID");
    expect(line("User")).toBe("amqp");
    expect(line("StateDirectory")).toBe("amqp-go");
    expect(line("Environment")).toBe("AMQP_SERVER_DATA_DIR=/var/lib/amqp-go");
  });
});
