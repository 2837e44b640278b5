/**
 * The one declarative spec every Lua-compatible facade is derived from.
 *
 * A facade (`luasocket`, `lsocket`, `nixio`, `inet`) is a `FacadeSpec`: its namespace
 * functions and constants, its object types and their classes, and one `Fn` entry per
 * Lua-facing function or method. An entry says, once: the name and aliases, which classes
 * it may be called on (`self`), how each argument is decoded and validated (`params`,
 * decoders below, raising Lua's own messages), which core operation it runs (`run`), what
 * it returns (`returns` / `failure`, for the docs, the generated types and the Lua number
 * subtypes), and whether it can wait (`waits`: a Promise in TypeScript, a blocking call in
 * the Lua runtime). `derive.ts` turns a spec into the TypeScript facade objects and the
 * host functions of the Lua runtime; `generate.ts` turns it into `docs/api/<facade>.md`
 * and `src/<facade>/api.generated.ts`. Adding an operation means adding one entry.
 *
 * Values crossing a facade: `undefined` is Lua's nil, booleans and numbers as they are,
 * byte strings as the environment's codec makes them (binary strings in TypeScript,
 * `Uint8Array` in the Lua runtime), tables as arrays / plain objects, sockets as facade
 * objects.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import type * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Runtime from "effect/Runtime"
import * as Either from "effect/Either"
import * as NetError from "../core/NetError.js"

// ---- values ------------------------------------------------------------------------

/** A value on the facade side of the boundary (see the module comment). @since 0.1.0 */
export type Value = unknown

/** What a function returns: the array of its Lua results (nil = `undefined`). @since 0.1.0 */
export type Results = ReadonlyArray<Value>

/** How an environment represents byte strings it returns. @since 0.1.0 */
export interface Codec {
  readonly name: "binary-string" | "bytes"
  readonly bytes: (data: Uint8Array) => Value
}

/**
 * Node's native latin1 decoder of a byte range (`buf.latin1Slice(start, end)`, what
 * `buf.toString("latin1")` ends in), called on the `Uint8Array` itself: no `Buffer` object
 * and no encoding dispatch per string (a third of the cost for a short line). Feature-detected.
 */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice?: (this: Uint8Array, start: number, end: number) => string }).latin1Slice

/** Byte strings as JavaScript strings with one char (0..255) per byte ("latin1"). @since 0.1.0 */
export const binaryStrings: Codec = {
  name: "binary-string",
  bytes: typeof latin1Slice === "function"
    ? (data) => latin1Slice.call(data, 0, data.length)
    : (data) => Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("latin1")
}

/** Byte strings as `Uint8Array` (the Lua runtime's bridge). @since 0.1.0 */
export const rawBytes: Codec = { name: "bytes", bytes: (data) => data }

/** Per-call environment: the codec, and the owner of objects a function creates. @since 0.1.0 */
export interface Env {
  readonly codec: Codec
  /** Called with every object a facade creates (Lua runtime: to close it when the script ends). */
  readonly adopt: (object: FacadeObject) => void
}

// ---- Lua errors ------------------------------------------------------------------------

/**
 * A Lua error raised by a facade function (LuaSocket raises these with `luaL_argerror` /
 * `luaL_error`: bad argument, invalid pattern, wrong class). `arg` is the 1-based argument
 * position counting `self` as #1 for methods (as the C libraries count), or undefined when
 * the error is not about an argument. In TypeScript it is thrown with `message` in the
 * form Lua gives for a method call (`calling 'accept' on bad self (tcp{server} expected)`,
 * `bad argument #1 to 'receive' (invalid receive pattern)`); the Lua runtime rebuilds the
 * message from the call's own shape and position.
 *
 * @since 0.1.0
 */
export class LuaRaise extends Error {
  readonly _tag = "LuaRaise"
  constructor(
    readonly fn: string,
    readonly reason: string,
    readonly arg: number | undefined,
    readonly method: boolean,
    /** Raised without a position (the error value alone). */
    readonly bare = false
  ) {
    super(formatRaise(fn, reason, arg, method))
    this.name = "LuaRaise"
  }
}

/**
 * Lua 5.4's `luaL_argerror` wording: in a method call (`obj:f()`) the arguments are
 * counted without `self` and a bad `self` says so; otherwise they keep their C numbers.
 */
export const formatRaise = (fn: string, reason: string, arg: number | undefined, methodCall: boolean): string => {
  if (arg === undefined) return reason
  if (methodCall) return arg === 1 ? `calling '${fn}' on bad self (${reason})` : `bad argument #${arg - 1} to '${fn}' (${reason})`
  return `bad argument #${arg} to '${fn}' (${reason})`
}

/** Thrown by decoders: the reason only; the caller adds the position. @since 0.1.0 */
export class ArgError extends Error {
  constructor(readonly reason: string) {
    super(reason)
  }
}

/** Raise a Lua error that is not about one argument (`select failed`, ...). @since 0.1.0 */
export class PlainRaise extends Error {
  /** `bare`: raised as the value alone, with no position (lunatik's `lua_error` of an errno name). */
  constructor(readonly reason: string, readonly bare = false) {
    super(reason)
  }
}

// ---- decoders --------------------------------------------------------------------------

/** Lua's type name of a facade value, for `X expected, got Y` messages. @since 0.1.0 */
export const luaTypeName = (v: unknown, present = true): string => {
  if (!present) return "no value"
  if (v === undefined || v === null) return "nil"
  switch (typeof v) {
    case "boolean":
    case "number":
    case "string":
    case "function":
      return typeof v
    case "bigint":
      return "number"
    default:
      if (v instanceof Uint8Array) return "string"
      if (v instanceof FacadeObject) return "userdata"
      return "table"
  }
}

/** Decodes one argument; throws `ArgError` with Lua's reason text. @since 0.1.0 */
export type Decode<A> = (value: unknown, present: boolean) => A

const expected = (what: string, v: unknown, present: boolean): never => {
  throw new ArgError(`${what} expected, got ${luaTypeName(v, present)}`)
}

/** Lua's `tostring` of a number as `lua_tolstring` converts it (integers without `.0`). */
const numberText = (n: number | bigint): string =>
  typeof n === "bigint" ? n.toString() : Number.isInteger(n) && Math.abs(n) < 2 ** 63 ? `${n}` : `${n}`

/** The bytes of a Lua string argument: a binary string, bytes, or a number (converted as Lua does). */
const aboveFF = /[^\x00-\xff]/

export const bytesOf = (v: unknown): Uint8Array | undefined => {
  if (v instanceof Uint8Array) return v
  if (typeof v === "string") {
    // (a native search: a per-character loop cost more than the send of a 64 KiB string)
    const i = v.search(aboveFF)
    if (i >= 0) {
      throw new ArgError(
        `string expected, got a string with a character above \\xFF at ${i + 1} (byte strings are binary strings: one char per byte; pass a Uint8Array, or Buffer.from(s).toString("latin1") for UTF-8)`
      )
    }
    return Buffer.from(v, "latin1")
  }
  if (typeof v === "number" || typeof v === "bigint") return Buffer.from(numberText(v), "latin1")
  return undefined
}

/** Text of a Lua string argument (host names, modes, options): UTF-8 for bytes. */
export const textOf = (v: unknown): string | undefined => {
  if (typeof v === "string") return v
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("utf8")
  if (typeof v === "number" || typeof v === "bigint") return numberText(v)
  return undefined
}

const hexNumber = /^[-+]?0[xX][0-9a-fA-F]+$/

/** Lua's `tonumber` of a number or numeric string argument. */
export const numberOf = (v: unknown): number | undefined => {
  if (typeof v === "number") return v
  if (typeof v === "bigint") return Number(v)
  const t = typeof v === "string" || v instanceof Uint8Array ? textOf(v)!.trim() : undefined
  if (t === undefined || t === "") return undefined
  // (the hexadecimal test only for texts with an x: no regular expression per call otherwise)
  const n = (t.includes("x") || t.includes("X")) && hexNumber.test(t) ? Number.parseInt(t, 16) : Number(t)
  return Number.isNaN(n) && t.toLowerCase() !== "nan" ? undefined : n
}

/** Decoders matching `luaL_check*` / `luaL_opt*`. @since 0.1.0 */
export const D = {
  any: ((v) => v) as Decode<unknown>,
  bytes: ((v, p) => bytesOf(v) ?? expected("string", v, p)) as Decode<Uint8Array>,
  string: ((v, p) => textOf(v) ?? expected("string", v, p)) as Decode<string>,
  number: ((v, p) => numberOf(v) ?? expected("number", v, p)) as Decode<number>,
  integer: ((v, p) => {
    const n = numberOf(v)
    if (n === undefined) return expected("number", v, p)
    if (!Number.isInteger(n)) throw new ArgError("number has no integer representation")
    return n
  }) as Decode<number>,
  boolean: ((v) => v !== undefined && v !== null && v !== false) as Decode<boolean>,
  table: ((v: unknown, p: boolean) => (typeof v === "object" && v !== null && !(v instanceof Uint8Array) && !(v instanceof FacadeObject) ? v : expected("table", v, p))) as Decode<object>,
  /** `luaL_opt`: nil or absent gives `fallback`. */
  opt: <A, B>(decode: Decode<A>, fallback: B): Decode<A | B> => (v, p) => (v === undefined || v === null ? fallback : decode(v, p)),
  object: <A>(guard: (u: unknown) => u is A, what: string): Decode<A> => (v, p) => (guard(v) ? v : expected(what, v, p))
}

// ---- entries ---------------------------------------------------------------------------

/** One argument. `type` is the type shown in docs and generated TypeScript. @since 0.1.0 */
export interface Param {
  readonly name: string
  readonly type: string
  readonly optional?: boolean
  readonly decode: Decode<unknown>
}

/** One result position (docs, generated types; `int` marks a Lua integer). @since 0.1.0 */
export interface Ret {
  readonly name: string
  readonly type: string
}

/**
 * One Lua-facing function or method.
 *
 * @since 0.1.0
 */
export interface Fn<Self = unknown> {
  readonly name: string
  readonly aliases?: ReadonlyArray<string>
  /** For methods: the class or class group it may be called on (e.g. `tcp{client}`, `tcp{any}`). */
  readonly self?: string
  readonly params: ReadonlyArray<Param>
  /** Results on success. A type `int` is pushed as a Lua integer, other numbers as the facade's `numbers`. */
  readonly returns: ReadonlyArray<Ret>
  /** Results on failure (e.g. `nil, err, partial`), for the docs. */
  readonly failure?: ReadonlyArray<Ret>
  /** Pad results with nils to this many (LuaSocket's receive and send always give 3). */
  readonly arity?: number
  /** Fields of result tables that are Lua integers (linger's `timeout`). */
  readonly intFields?: ReadonlyArray<string>
  /** Result positions (0-based) that are Lua integers whatever the outcome. */
  readonly ints?: ReadonlyArray<number>
  /** Can wait: a Promise in TypeScript, a blocking call in Lua. */
  readonly waits?: boolean
  /** Lua varargs after the declared params are passed on to `run`. */
  readonly varargs?: boolean
  /**
   * The Lua runtime defines this function in Lua (it takes or returns functions, as
   * `try`, `protect`, `sink`, `source`); `run` is the TypeScript facade's version.
   */
  readonly luaNative?: boolean
  /**
   * Not part of the library's API: a helper the Lua runtime's modules call (registered as
   * a host function only; no TypeScript method, not in the Lua metatables, listed apart in
   * the docs).
   */
  readonly hidden?: boolean
  readonly doc: string
  readonly run: (self: Self, args: Array<any>, env: Env) => Results | Promise<Results>
}

/** A constant of the namespace. @since 0.1.0 */
export interface Constant {
  readonly name: string
  readonly type: string
  readonly value: Value
  readonly doc: string
}

/**
 * A data field of an object type (lunatik's `sock.type` / `sock.proto`): the facade object
 * has a property of that name; the Lua runtime exposes it as a field of the object.
 *
 * @since 0.1.0
 */
export interface Field {
  readonly name: string
  readonly type: string
  readonly doc: string
}

/** An object type (one method table, several classes, as LuaSocket's `tcp{master|client|server}`). @since 0.1.0 */
export interface ObjectType {
  readonly name: string
  readonly classes: ReadonlyArray<string>
  /** Class groups usable in `Fn.self` (e.g. `tcp{any}`). */
  readonly groups: Readonly<Record<string, ReadonlyArray<string>>>
  /** Data fields every object of the type carries (read-only). */
  readonly fields?: ReadonlyArray<Field>
  readonly doc: string
}

/**
 * A whole facade.
 *
 * @since 0.1.0
 */
export interface FacadeSpec {
  readonly name: string
  /** The Lua module name (`socket`, `lsocket`, `nixio`, `socket.inet`). */
  readonly module: string
  readonly doc: string
  /** Numbers nested in tables are Lua floats (LuaSocket's `lua_pushnumber`) or integers. */
  readonly numbers: "float" | "int"
  readonly constants: ReadonlyArray<Constant>
  /** Namespace functions; a dotted name (`dns.toip`) lives in a sub-table. */
  readonly functions: ReadonlyArray<Fn<undefined>>
  readonly types: ReadonlyArray<ObjectType>
  /** Methods; each names its class or group in `self`. */
  readonly methods: ReadonlyArray<Fn<any>>
  /** What the facade does not do on Node, for the docs. */
  readonly limits?: ReadonlyArray<string>
}

// ---- objects ---------------------------------------------------------------------------

let nextAddress = 0x5a17c0de0000

/**
 * The base of every facade object: a class name that may change (master -> client),
 * `tostring` as the Lua library prints it, and the environment it was made in.
 *
 * @since 0.1.0
 */
export abstract class FacadeObject {
  /** A stable fake address for `tostring` (`tcp{client}: 0x...`). */
  readonly address: number = (nextAddress += 0x68)
  constructor(readonly env: Env) {
    env.adopt(this)
  }
  abstract get className(): string
  /** The object type's name (its method table). */
  abstract get typeName(): string
  /** `tostring(obj)` in Lua. */
  abstract tostring(): string
  /** Releases everything at once (script end, GC); must be idempotent. */
  abstract dispose(): void
  toString(): string {
    return this.tostring()
  }
}

// ---- running core effects --------------------------------------------------------------

/**
 * Runs a core effect synchronously when it completes without waiting (no Promise, no
 * extra tick: the fast path), else as a Promise. Failures come back as values (`Left`);
 * defects and interruptions are thrown.
 *
 * @since 0.1.0
 */
export const runOp = <A>(effect: Effect.Effect<A, NetError.NetError>): Either.Either<A, NetError.NetError> | Promise<Either.Either<A, NetError.NetError>> => {
  // an Exit (a core op started at once, as `TcpSocket.sendStarted`, that finished): no fiber
  if (Exit.isExit(effect)) return settleNow(effect as Exit.Exit<A, NetError.NetError>)
  // started at once: polled, a fiber that finished needs nothing else (runSyncExit would also
  // build an AsyncFiberException, an Error, for every op that must wait)
  const fiber = runFork(effect)
  const exit = fiber.unsafePoll()
  if (exit !== null) return settleNow(exit)
  if (cancelSlot !== undefined) cancelSlot.cancel = () => fiber.unsafeInterruptAsFork(FiberId.none)
  return new Promise((resolve, reject) => {
    fiber.addObserver((e) => {
      try {
        resolve(settle(e))
      } catch (err) {
        reject(err)
      }
    })
  })
}

const runFork = Runtime.runFork(Runtime.defaultRuntime)

/** The outcome of an op that finished without waiting (noting a would-block failure, see `withCancel`). */
const settleNow = <A>(exit: Exit.Exit<A, NetError.NetError>): Either.Either<A, NetError.NetError> => {
  if (Exit.isSuccess(exit)) return Either.right(exit.value)
  const r = settle(exit)
  if (cancelSlot !== undefined && Either.isLeft(r) && wouldBlock(r.left)) cancelSlot.wouldBlock = true
  return r
}

let cancelSlot: { cancel?: () => void; wouldBlock?: boolean } | undefined

/**
 * Runs `f` and reports what its core ops did besides their result: `cancel`, the way to
 * interrupt an op that went asynchronous (its fiber: interrupting loses no data, the core puts
 * back what an interrupted receive took); `wouldBlock`, whether an op failed at once with a
 * timeout having moved nothing (a non-blocking call that found nothing to do).
 *
 * @since 0.1.0
 */
export const withCancel = <A>(f: () => A): { readonly value: A; readonly cancel: (() => void) | undefined; readonly wouldBlock: boolean } => {
  const outer = cancelSlot
  const slot: { cancel?: () => void; wouldBlock?: boolean } = {}
  cancelSlot = slot
  try {
    return { value: f(), cancel: slot.cancel, wouldBlock: slot.wouldBlock === true }
  } finally {
    cancelSlot = outer
  }
}

/**
 * A timeout at once that moved nothing: a receive, send, accept or select that found nothing
 * to do (a connect that times out at once has started: it is not this).
 */
const wouldBlock = (e: NetError.NetError): boolean =>
  e._tag === "Timeout" && e.operation !== "connect" && (e.partial?.length ?? 0) === 0 && !e.lastIndex

/** Inside {@link withCancel}: `cancel` is the way to give up the asynchronous work just started. @since 0.1.0 */
export const registerCancel = (cancel: () => void): void => {
  if (cancelSlot !== undefined) cancelSlot.cancel = cancel
}


const settle = <A>(exit: Exit.Exit<A, NetError.NetError>): Either.Either<A, NetError.NetError> => {
  if (Exit.isSuccess(exit)) return Either.right(exit.value)
  const failure = Cause.failureOption(exit.cause)
  if (failure._tag === "Some") return Either.left(failure.value)
  throw Cause.squash(exit.cause)
}

/** Maps a sync-or-async value. @since 0.1.0 */
export const mapResult = <A, B>(value: A | Promise<A>, f: (a: A) => B | Promise<B>): B | Promise<B> =>
  value instanceof Promise ? value.then(f) : f(value)

/**
 * Runs a core op and encodes the outcome: `onOk(value)` or `onFail(error)` (each facade
 * has its failure convention). Synchronous when the op completes without waiting.
 *
 * @since 0.1.0
 */
export const op = <A>(
  effect: Effect.Effect<A, NetError.NetError>,
  onOk: (a: A) => Results,
  onFail: (e: NetError.NetError) => Results
): Results | Promise<Results> => mapResult(runOp(effect), (r) => (Either.isRight(r) ? onOk(r.right) : onFail(r.left)))
