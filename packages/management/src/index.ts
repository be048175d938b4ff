/** @amqp-go/management: a RabbitMQ-compatible management HTTP API for the amqp-go broker. */
export { Api, type ApiOptions, RABBITMQ_VERSION } from "./api.js";
export { applyDefinitions, appliedSummary, type DefinitionsReport, type DefinitionsTarget } from "./definitions-import.js";
export { type GlobalParameter, GlobalParameters } from "./global-parameters.js";
export { HttpError } from "./http-error.js";
export { type ManagementOptions, ManagementServer, startManagementServer } from "./management-server.js";
export { type ManagementUsers, MemoryUsers, syncVhosts, usersFileOfDb } from "./management-users.js";
export { type Access, Principal } from "./principal.js";
export { RateSampler } from "./rates.js";
