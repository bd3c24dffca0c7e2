/**
 * The API behind a real JSON-RPC dispatcher, in-process, as main.ts wires them, for tests and benchmarks: strict mode
 * is on unless the config given turns it off, so every result a test gets through it was checked against the schema.
 */
import { type ApiDeps, createApi } from '../../src/api/index.js';
import type { RequestContext } from '../../src/common/rpc-method.js';
import { Dispatcher } from '../../src/rpc/jsonrpc/dispatcher.js';

export interface ApiDispatcher {
  handle(body: string, context: RequestContext): Promise<string | undefined>;
  screen(chunks: readonly Uint8Array[], length: number, context: RequestContext): string | undefined;
  /** Until called with true, every request is answered with code 99. */
  setReady(ready: boolean): void;
  /** Stops the API's samplers. */
  close(): void;
}

export interface ApiDispatcherOptions extends Omit<ApiDeps, 'config'> {
  /** The defaults when absent; `[devel] api_strict_mode` is turned on either way unless `strict` is false. */
  readonly config: ApiDeps['config'];
  readonly strict?: boolean;
}

export function apiDispatcher(options: ApiDispatcherOptions): ApiDispatcher {
  const { strict = true, ...deps } = options;
  const config = { ...deps.config, devel: { ...deps.config.devel, api_strict_mode: strict } };
  const api = createApi({ ...deps, config });
  const dispatcher = new Dispatcher({
    methods: api.methods,
    logger: deps.logging.get('jsonrpc'),
    maxBatchSize: config.rpc.max_batch_size,
  });
  return {
    handle: (body, context) => dispatcher.handle(body, context),
    screen: (chunks, length, context) => dispatcher.screen(chunks, length, context),
    setReady: (ready) => dispatcher.setReady(ready),
    close: () => api.close(),
  };
}
