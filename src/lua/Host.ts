/**
 * Host functions: TypeScript functions that Lua scripts call through the bridge, and the values
 * that cross it. The main thread owns every host function (and so all I/O); a Lua script blocks
 * while its call is served. See docs/lua.md for the full value mapping.
 *
 * @since 0.1.0
 */

/**
 * A value crossing the bridge.
 *
 * Lua -> JS (arguments): `nil` -> `undefined`; booleans; a float -> `number`; an integer ->
 * `number` when it is a safe integer (|n| < 2^53), else `bigint` (so no precision is lost);
 * a string -> `Uint8Array` (a private copy, byte-exact); a table whose keys are exactly
 * `1..n` (or an empty table) -> an array; any other table -> an `Object.create(null)` record
 * whose keys are stringified (strings decoded as UTF-8, numbers and booleans as JS prints
 * them). Metatables are ignored (raw contents); nesting deeper than 32 or a cycle is a Lua
 * error ("bad argument #i to 'f' (...)"), as is a function, userdata or thread anywhere in an
 * argument.
 *
 * JS -> Lua (results): `undefined` and `null` -> `nil`; booleans; `number` -> float (prints
 * `5.0`); `bigint` -> integer (prints `5`; must fit 64 bits); `string` -> its UTF-8 bytes;
 * `Uint8Array` -> its bytes; an array -> a sequence (`undefined` elements leave holes); a plain
 * object -> a table with string keys. Anything else is a host bug.
 *
 * @since 0.1.0
 */
export type LuaValue =
  | undefined
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | LuaArray
  | LuaRecord

/** @since 0.1.0 */
export interface LuaArray extends ReadonlyArray<LuaValue> {}

/** @since 0.1.0 */
export interface LuaRecord {
  readonly [key: string]: LuaValue
}

/**
 * An error a host function throws (or rejects with) to raise a Lua error, with `error(message,
 * level)` semantics: the error value is the message string (bytes kept exactly), prefixed with
 * a position only when `level` asks for one. `level: 1` names the Lua line that called the host
 * function (`"script.lua:7: "`), `2` its caller, and so on; the default `0` adds no position,
 * which is what a Lua library's C function raising `lua_error` with a plain message does.
 *
 * Any other exception from a host function is a host bug: it is also raised in Lua (as the
 * string `"host function 'name' failed: <message>"`, so the script can still `pcall` it) and
 * reported through `RunOptions.onHostError`.
 *
 * @since 0.1.0
 */
export class LuaError extends Error {
  override readonly name = "LuaError"
  readonly luaMessage: string | Uint8Array
  readonly level: number
  constructor(message: string | Uint8Array, options?: { readonly level?: number }) {
    super(typeof message === "string" ? message : new TextDecoder().decode(message))
    this.luaMessage = message
    this.level = Math.max(0, Math.trunc(options?.level ?? 0))
  }
}

/**
 * What a host function knows about the script calling it.
 *
 * @since 0.1.0
 */
export interface HostContext {
  /** A number unique to this run in this process. */
  readonly scriptId: number
  /** Per-script state for host functions (e.g. the sockets the script has open). */
  readonly state: Map<unknown, unknown>
  /**
   * Aborted when the script ends for any reason (returns, errors, `os.exit`, is interrupted,
   * crashes), before the `onExit` cleanups run: pending asynchronous work can stop on it.
   */
  readonly signal: AbortSignal
  /**
   * Registers a cleanup run once when the script ends for any reason, in reverse order of
   * registration; the run's promise settles after every cleanup has finished.
   */
  readonly onExit: (cleanup: () => void | PromiseLike<void>) => void
  /**
   * A host function that returns a promise may give the way to cancel that call. The runtime
   * calls it when it gives the call up: on the main thread (`thread: "main"`), a call that must
   * wait but was made where the script cannot yield raises a Lua error instead of waiting.
   */
  readonly cancelable: (cancel: () => void) => void
  /**
   * Where the script runs (RunOptions.thread). On `"main"`, this thread's event loop runs only
   * while the script waits on a host call.
   */
  readonly thread: "worker" | "main"
}

/**
 * A host function. A synchronous result is answered at once (the fast path: no extra event-loop
 * turn); a promise makes the script wait until it settles.
 *
 * @since 0.1.0
 */
export type HostFunction = (
  args: ReadonlyArray<LuaValue>,
  ctx: HostContext
) => ReadonlyArray<LuaValue> | PromiseLike<ReadonlyArray<LuaValue>>

/**
 * Host functions by name. Lua reaches them with `local host = require "luasock.host"`:
 * `host["name"](...)` or `host.call("name", ...)`.
 *
 * @since 0.1.0
 */
export type HostRegistry = ReadonlyMap<string, HostFunction> | Readonly<Record<string, HostFunction>>

/** The registry as entries (own enumerable keys of a record). */
export const registryEntries = (hosts: HostRegistry | undefined): Array<readonly [string, HostFunction]> => {
  if (hosts === undefined) return []
  if (hosts instanceof Map) return [...(hosts as ReadonlyMap<string, HostFunction>).entries()]
  return Object.entries(hosts as Readonly<Record<string, HostFunction>>)
}
