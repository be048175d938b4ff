/**
 * Errors of @amqp-go/auth, in one place. Login refusals are not errors: they are `LoginResult`s the
 * broker turns into 403 ACCESS_REFUSED. These are for the users file and its edits.
 */

/** A users file that cannot be read or is not valid; the message names the file and the entry. */
export class UsersFileError extends Error {
  override readonly name = "UsersFileError";
  readonly code = "ERR_AMQP_USERS_FILE";
}

/** An edit that the file's state refuses: a user that already exists, a vhost that does not. */
export class UsersEditError extends Error {
  override readonly name = "UsersEditError";
  readonly code = "ERR_AMQP_USERS_EDIT";
}
