/** How messages are kept on disk: the options, their defaults and ranges are @amqp-go/storage's STORAGE_SETTINGS. */
export { resolveStorageOptions, type ResolvedStorageOptions, type StorageOptions } from "@amqp-go/storage";
