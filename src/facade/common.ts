/**
 * What the facades over C socket libraries (lsocket, nixio) share: one facade object over a
 * core TCP or UDP socket that `select` can watch, a connect that runs in the background
 * (their non-blocking connect), "receive what is there" and "send what fits" with a
 * timeout policy, the would-block test, and the C view of errors (`NetError.osError`).
 * Behaviour: spec/reference-semantics.md sections 2 and 3.
 *
 * @since 0.1.0
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as NetError from "../core/NetError.js"
import * as ReadBuffer from "../core/ReadBuffer.js"
import type * as Select from "../core/Select.js"
import { TcpSocket } from "../core/Tcp.js"
import * as Timeout from "../core/Timeout.js"
import type { UdpSocket } from "../core/Udp.js"
import { type Decode, type Env, FacadeObject, runOp } from "./spec.js"

/** A core socket of either transport. @since 0.1.0 */
export type CoreSocketOf = TcpSocket | UdpSocket

/** Address family as the C libraries name it. @since 0.1.0 */
export type Family = "inet" | "inet6" | "unix"

/** A policy that never waits: non-blocking I/O. @since 0.1.0 */
export const immediate: Timeout.TimeoutPolicy = Timeout.make({ block: 0 })

/**
 * The operation would have had to wait (EAGAIN): the core's own time budget ran out (a
 * `Timeout` without an OS code; an OS ETIMEDOUT is a real failure) or EAGAIN itself.
 *
 * @since 0.1.0
 */
export const isWouldBlock = (e: NetError.NetError): boolean =>
  (e._tag === "Timeout" && e.code === undefined) || e.code === "EAGAIN" || e.code === "EWOULDBLOCK"

/** An argument as passed, with whether it was passed at all (Lua's `lua_gettop` counts explicit nils). @since 0.1.0 */
export interface RawArg {
  readonly value: unknown
  readonly present: boolean
}

/** Keeps an argument raw, for functions that read their arguments by Lua type (lsocket's optional leading ones). @since 0.1.0 */
export const rawArg: Decode<RawArg> = (value, present) => ({ value, present })

/** A Lua string argument (`lua_type(L, i) == LUA_TSTRING`): not a number, unlike `luaL_checkstring`. @since 0.1.0 */
export const isLuaString = (v: unknown): v is string | Uint8Array => typeof v === "string" || v instanceof Uint8Array

// ---- background connect --------------------------------------------------------------------

/**
 * A connect that runs on its own while the caller goes on (a non-blocking `connect`):
 * records how it ended and tells listeners (select) when it has.
 *
 * @since 0.1.0
 */
export class BackgroundConnect {
  private outcome: Either.Either<void, NetError.NetError> | undefined = undefined
  private readonly listeners = new Set<() => void>()
  private readonly done = Deferred.unsafeMake<void>(FiberId.none)

  constructor(connect: Effect.Effect<void, NetError.NetError>) {
    const failed = (cause: unknown) => Either.left(NetError.fromCause(cause, { operation: "connect" }))
    try {
      const r = runOp(connect)
      if (r instanceof Promise) r.then((x) => this.settle(x), (cause) => this.settle(failed(cause)))
      else this.settle(r)
    } catch (cause) {
      this.settle(failed(cause))
    }
  }

  private settle(outcome: Either.Either<void, NetError.NetError>): void {
    this.outcome = outcome
    Deferred.unsafeDone(this.done, Exit.void)
    for (const l of [...this.listeners]) l()
  }

  /** Still connecting. */
  get pending(): boolean {
    return this.outcome === undefined
  }

  /** The failure, once it failed. */
  get error(): NetError.NetError | undefined {
    return this.outcome !== undefined && Either.isLeft(this.outcome) ? this.outcome.left : undefined
  }

  /** Waits until the connect has ended; then its failure, if any. */
  readonly settled: Effect.Effect<NetError.NetError | undefined> = Effect.map(Deferred.await(this.done), () => this.error)

  /** Calls `listener` when the connect ends; returns the unsubscribe. */
  onSettled(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
}

// ---- errors --------------------------------------------------------------------------------

/**
 * The errno name of a core error (`"ECONNREFUSED"`, `"EAGAIN"`, ...): the OS code when it
 * has one, else the errno of the error's kind (`NetError.osError`).
 *
 * @since 0.1.0
 */
export const errnoName = (e: NetError.NetError): string => NetError.osError(e).code

// ---- the objects ---------------------------------------------------------------------------

/**
 * A facade object over one core socket, released (closed) with the object.
 *
 * @since 0.1.0
 */
export abstract class CoreObject<C extends CoreSocketOf> extends FacadeObject {
  constructor(env: Env, readonly core: C) {
    super(env)
  }

  dispose(): void {
    this.core.closeNow()
  }
}

/**
 * A facade object over a TCP or UDP core socket, selectable: readable / writable as its
 * core, and both once a background connect has failed (as a socket whose non-blocking
 * connect failed).
 *
 * @since 0.1.0
 */
export abstract class CoreSocket extends CoreObject<CoreSocketOf> implements Select.Selectable {
  /** The connect started by a non-blocking `connect`, if any. */
  connecting: BackgroundConnect | undefined = undefined

  constructor(env: Env, core: CoreSocketOf, public family: Family) {
    super(env, core)
  }

  /** TCP (or unix stream) rather than UDP. */
  get stream(): boolean {
    return this.core instanceof TcpSocket
  }

  /** Starts connecting without waiting (the caller learns the outcome from `connectState`). */
  connectInBackground(connect: Effect.Effect<void, NetError.NetError>): void {
    this.connecting = new BackgroundConnect(connect)
  }

  /** `"pending"` while a background connect runs, its error once it failed, else undefined. */
  connectState(): "pending" | NetError.NetError | undefined {
    const c = this.connecting
    if (c === undefined) return undefined
    return c.pending ? "pending" : c.error
  }

  get isClosed(): boolean {
    return this.core.isClosed
  }

  get dirty(): boolean {
    return this.core.dirty
  }

  get readable(): boolean {
    return this.core.readable || this.connecting?.error !== undefined
  }

  get writable(): boolean {
    return this.core.writable || this.connecting?.error !== undefined
  }

  onReady(listener: () => void): () => void {
    const fromCore = this.core.onReady(listener)
    const fromConnect = this.connecting?.onSettled(listener)
    return () => {
      fromCore()
      fromConnect?.()
    }
  }
}

// ---- receiving and sending -----------------------------------------------------------------

/** What C's recv/send get on a TCP socket that is not a connected client (never connected, or listening). */
const unconnected = (core: CoreSocketOf, operation: "receive" | "send"): NetError.NetError | undefined => {
  if (!(core instanceof TcpSocket) || core.kind === "client" || core.isClosed) return undefined
  return operation === "receive"
    ? new NetError.NotConnected({ operation, code: "ENOTCONN" })
    : new NetError.Closed({ operation, code: "EPIPE" })
}

/**
 * A C `recv(size)`: TCP: the buffered bytes, at most `size`, waiting within `policy` while
 * there are none (fails `Closed` without code at the end of the stream); UDP: the next
 * datagram cut to `size`.
 *
 * @since 0.1.0
 */
export const receiveSome = (core: CoreSocketOf, size: number, policy: Timeout.TimeoutPolicy): Effect.Effect<Uint8Array, NetError.NetError> => {
  const bad = unconnected(core, "receive")
  if (bad !== undefined) return Effect.fail(bad)
  return core instanceof TcpSocket ? core.receive(ReadBuffer.available(size), undefined, policy) : core.receive(size, policy)
}

/**
 * `receiveSome` that never waits, answered at once: the bytes, the error, or undefined
 * when it would have to wait. TCP polls the buffer without running an effect.
 *
 * @since 0.1.0
 */
export const receiveNow = (core: CoreSocketOf, size: number): Uint8Array | NetError.NetError | undefined => {
  const bad = unconnected(core, "receive")
  if (bad !== undefined) return bad
  if (core instanceof TcpSocket) return core.receivePoll(ReadBuffer.available(size))
  const r = runOp(core.receive(size, immediate))
  if (r instanceof Promise) return undefined // never: an immediate receive does not wait
  return Either.isRight(r) ? r.right : isWouldBlock(r.left) ? undefined : r.left
}

/**
 * A C `send`: TCP: sends what fits within `policy` and succeeds with the byte count (fails
 * would-block only when nothing fitted); UDP: one datagram to the connected peer (an
 * unconnected UDP socket fails EDESTADDRREQ).
 *
 * @since 0.1.0
 */
export const sendSome = (core: CoreSocketOf, data: Uint8Array, policy: Timeout.TimeoutPolicy): Effect.Effect<number, NetError.NetError> => {
  const bad = unconnected(core, "send")
  if (bad !== undefined) return Effect.fail(bad)
  if (core instanceof TcpSocket) {
    return Effect.catchIf(
      core.send(data, 1, -1, policy),
      (e) => isWouldBlock(e) && (e.lastIndex ?? 0) > 0,
      (e) => Effect.succeed(e.lastIndex!)
    )
  }
  if (core.kind !== "connected" && !core.isClosed) return Effect.fail(new NetError.Unknown({ operation: "send", code: "EDESTADDRREQ" }))
  return core.send(data)
}

/**
 * Undoes the core's LuaSocket default of IPV6_V6ONLY on inet6 sockets: C libraries that
 * do not set it get Linux's default, dual-stack.
 *
 * @since 0.1.0
 */
export const dualStack = (core: CoreSocketOf): void => {
  if (core.family === "inet6") runOp(core.setOption("ipv6-v6only", false))
}
