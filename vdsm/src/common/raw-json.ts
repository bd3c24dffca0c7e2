/**
 * A value already serialized as JSON text. A handler may return one instead of the value so that a large result
 * built once per sampling cycle (Host.getAllVmStats) is not stringified again per request: the RPC layer splices
 * `text` into the reply as it is. `T` is the type the text encodes, so handlers stay checked against the schema.
 */
export class RawJson<T = unknown> {
  /** Type-only: what `text` encodes. */
  declare readonly encodes?: T;

  constructor(readonly text: string) {}
}
