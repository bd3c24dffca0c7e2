/** PEM contents of the client key, its certificate and the CA the server must chain to. */
export interface ClientTlsOptions {
  readonly key: string | Buffer;
  readonly cert: string | Buffer;
  readonly ca: string | Buffer;
}

/** The server answered with a JSON-RPC error. */
export class VdsmRpcError extends Error {
  override readonly name = 'VdsmRpcError';
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** No reply within the call's timeout. */
export class VdsmTimeoutError extends Error {
  override readonly name = 'VdsmTimeoutError';
}

/** Cannot connect, or the connection was lost before the reply came. */
export class VdsmConnectionError extends Error {
  override readonly name = 'VdsmConnectionError';
}
