/** Where a connection is in its life; the handshake states come first, in order. */
export const enum State {
  AwaitingHeader,
  AwaitingStartOk,
  /** The authenticator is deciding (a slow password hash); anything the client sends now ends the handshake. */
  Authenticating,
  AwaitingTuneOk,
  AwaitingOpen,
  Open,
  /** We sent connection.close and wait for close-ok. */
  Closing,
  Closed,
}
