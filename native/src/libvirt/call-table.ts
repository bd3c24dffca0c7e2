/**
 * How a libvirt surface is declared once: a table whose entries carry each call's facade signature (as phantom
 * types), the defaults of its optional arguments and, where the addon speaks another shape, the conversions. From
 * the table come the facade types (`FacadeOf`), the forwarding classes (`forwardingClass`) and the list of names the
 * addon must register (checked against its classes in native/test/libvirt/surface.test.ts).
 */

/** One call: `Args` and `Result` are the facade's; the native call takes the converted arguments. */
export interface CallSpec<Args extends readonly unknown[], Result> {
  /** Values for trailing arguments the caller left out (undefined), in argument order. */
  readonly defaults: readonly unknown[];
  /** Facade arguments (defaults filled) to the addon's; identity when absent. */
  readonly toNative?: (args: readonly unknown[]) => readonly unknown[];
  /** The addon's result to the facade's; identity when absent. */
  readonly fromNative?: (result: never) => unknown;
  /** Phantom members: they exist only in the types. */
  readonly args?: Args;
  readonly result?: Result;
}

/** Declares a call; the type arguments are the facade signature. */
export function call<Args extends readonly unknown[], Result>(
  o: {
    readonly defaults?: readonly unknown[];
    readonly toNative?: (args: readonly unknown[]) => readonly unknown[];
    readonly fromNative?: (result: never) => unknown;
  } = {},
): CallSpec<Args, Result> {
  return { defaults: o.defaults ?? [], ...o } as CallSpec<Args, Result>;
}

export type CallTable = Readonly<Record<string, CallSpec<readonly unknown[], unknown>>>;

/** The facade methods a table declares: every call returns a Promise of its result. */
export type FacadeOf<T> = {
  [K in keyof T]: T[K] extends CallSpec<infer A, infer R> ? (...args: A) => Promise<R> : never;
};

type AnyCall = (...args: readonly unknown[]) => Promise<unknown>;

function withDefaults(args: readonly unknown[], defaults: readonly unknown[]): unknown[] {
  const out = [...args];
  for (let i = 0; i < defaults.length; i++) if (out[i] === undefined) out[i] = defaults[i];
  return out;
}

/**
 * A base class whose methods are the table's calls, each sent to `target(this)` (the addon object, or another
 * facade) with defaults filled and conversions applied. A synchronous throw of the target (no connection) becomes
 * a rejection, like the addon's own errors.
 */
export function forwardingClass<T extends CallTable, Self>(
  table: T,
  target: (self: Self) => object,
  o: { readonly convert: boolean } = { convert: true },
): abstract new () => FacadeOf<T> {
  abstract class Forwarding {}
  for (const [name, spec] of Object.entries(table)) {
    const method = async function (this: Self, ...args: readonly unknown[]): Promise<unknown> {
      const fn = (target(this) as Record<string, AnyCall>)[name];
      if (typeof fn !== 'function') throw new TypeError(`libvirt call ${name} is not registered by the addon`);
      if (!o.convert) return fn.apply(target(this), [...args]);
      const filled = withDefaults(args, spec.defaults);
      const result = await fn.apply(target(this), spec.toNative === undefined ? filled : [...spec.toNative(filled)]);
      return spec.fromNative === undefined ? result : spec.fromNative(result as never);
    };
    Object.defineProperty(method, 'name', { value: name });
    Object.defineProperty(Forwarding.prototype, name, { value: method, writable: true, configurable: true });
  }
  return Forwarding as unknown as abstract new () => FacadeOf<T>;
}
