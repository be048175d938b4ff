/**
 * `load_definitions` (RabbitMQ's name): a definitions file imported at every start, once the
 * broker has recovered and before any client is accepted, with the management API's import
 * (applyDefinitions): users, vhosts and permissions into the users file; policies, exchanges,
 * queues, bindings and global parameters into the broker. Importing the same file again changes
 * nothing. One log line reports what was applied and, one entry each, what could not be (warn).
 * A file that cannot be read or is not a definitions file stops the start (a ConfigError).
 */
import { readFileSync } from "node:fs";
import type { Broker } from "@amqp-go/broker";
import { appliedSummary, applyDefinitions, type DefinitionsReport, GlobalParameters, type ManagementUsers } from "@amqp-go/management";
import type { Logger } from "pino";
import { ConfigError } from "./errors.js";

export function loadDefinitions(file: string, target: { broker: Broker; users: ManagementUsers; dataDir: string; clusterId: string }, logger: Logger): DefinitionsReport {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError(`server.load_definitions ${file}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let defs: unknown;
  try {
    defs = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`server.load_definitions ${file}: not JSON (${(err as Error).message})`);
  }
  if (defs === null || typeof defs !== "object" || Array.isArray(defs)) throw new ConfigError(`server.load_definitions ${file}: not a definitions file (a JSON object)`);
  let report: DefinitionsReport;
  try {
    const globalParameters = new GlobalParameters(target.dataDir, target.clusterId);
    report = applyDefinitions({ broker: target.broker, users: target.users, globalParameters }, defs as Record<string, unknown>);
  } catch (err) {
    throw new ConfigError(`server.load_definitions ${file}: ${(err as Error).message}`);
  }
  const summary = `definitions loaded from ${file}: ${appliedSummary(report)}`;
  if (report.problems.length === 0) logger.info({ file, applied: report.applied }, summary);
  else logger.warn({ file, applied: report.applied, notApplied: report.problems }, `${summary}; ${report.problems.length} could not be applied`);
  return report;
}
