/**
 * LuaSocket's `socket.select(recvt, sendt, timeout)` over the core's sockets
 * (spec/reference-semantics.md section 1, "select"), without its descriptor limit
 * (section 5, item 1): any number of sockets of any kind, TCP and UDP mixed.
 *
 * Readiness is pushed, not polled: every socket tells its registered listeners
 * when it may have become readable or writable (`onReady`), so a waiting select
 * is woken by the socket that changed and looks only at it. One select call
 * costs one pass over its inputs (readiness check, then registration when nothing
 * is ready yet: a few property reads and a field write per socket), then work in
 * proportion to the sockets that signal; finishing or being interrupted removes
 * every registration.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { describe } from "./internal/describe.js"
import * as Wait from "./internal/Wait.js"
import * as NetError from "./NetError.js"
import * as Timeout from "./Timeout.js"

/**
 * What select can watch: `TcpSocket` (any kind) and `UdpSocket` are selectable,
 * and so is any object with these members (LuaSocket accepts any object with
 * `getfd` and `dirty`).
 *
 * @since 0.1.0
 */
export interface Selectable {
  /** Closed sockets are ignored. */
  readonly isClosed: boolean
  /** Unread bytes are buffered: such a reader is returned first and makes select not wait. */
  readonly dirty: boolean
  /** A receive (or accept) would not wait: data, EOF, an error, a connection, a datagram. */
  readonly readable: boolean
  /** A send would not wait: connected and not backpressured. */
  readonly writable: boolean
  /** Calls `listener` whenever readable or writable may have become true; returns the unsubscribe. */
  onReady(listener: () => void): () => void
}

/**
 * The sockets that are ready, each list in input order (dirty readers first),
 * each socket once.
 *
 * @since 0.1.0
 */
export interface Ready<R extends Selectable, W extends Selectable> {
  readonly readable: Array<R>
  readonly writable: Array<W>
}

/**
 * How long select may wait: a `Duration`, or LuaSocket's seconds (negative, NaN
 * or undefined = no limit; 0 = poll).
 *
 * @since 0.1.0
 */
export type SelectTimeout = Duration.Duration | number | undefined

/** The timeout argument as a Duration (`Duration.infinity` = no limit). @since 0.1.0 */
export const limitOf = (timeout: SelectTimeout): Duration.Duration =>
  Duration.isDuration(timeout) ? timeout : Timeout.fromSeconds(timeout)

const timeoutError = (): NetError.NetError => new NetError.Timeout({ operation: "select" })

/** A value with what select uses of a socket. */
const isSelectable = (u: unknown): boolean => {
  if ((typeof u !== "object" && typeof u !== "function") || u === null) return false
  try {
    const s = u as Partial<Record<keyof Selectable, unknown>>
    // the readiness getters are not read here (select reads each once per pass): only present
    return typeof s.onReady === "function" && "isClosed" in s && "dirty" in s && "readable" in s && "writable" in s
  } catch {
    return false // a getter that throws, a revoked proxy
  }
}

/** What is wrong with select's `readers` / `writers` (`name`): the InvalidArgument naming it, or undefined. */
const badList = (name: "readers" | "writers", list: unknown): NetError.NetError | undefined => {
  if (list === undefined || list === null) return undefined
  if (!Array.isArray(list)) return new NetError.InvalidArgument({ operation: "select", detail: `bad ${name} ${describe(list)}: expected an array of sockets` })
  for (let i = 0; i < list.length; i++) {
    if (!(i in list) || !isSelectable(list[i])) {
      return new NetError.InvalidArgument({ operation: "select", detail: `bad ${name}: entry ${i} is ${i in list ? describe(list[i]) : "a hole"}, not a selectable socket` })
    }
  }
  return undefined
}

/** The InvalidArgument for a select timeout that is not seconds, a Duration or undefined. */
const badTimeout = (timeout: unknown): NetError.NetError | undefined =>
  timeout === undefined || typeof timeout === "number" || Duration.isDuration(timeout)
    ? undefined
    : new NetError.InvalidArgument({ operation: "select", detail: `bad timeout ${describe(timeout)}: expected seconds (a number), a Duration or undefined` })

/** Each item once, in order (the lists are short: only ready sockets). */
const unique = <A>(items: Array<A>): Array<A> => (items.length < 2 ? items : Array.from(new Set(items)))

/**
 * One waiting select: which watched entries signalled since the last look.
 * Entry `i < readers.length` is `readers[i]`, the others `writers[i - readers.length]`.
 */
class Watch<R extends Selectable, W extends Selectable> {
  /** Entries that signalled and were ready when they did, not yet looked at. */
  private signalled: Array<number> = []
  /** 1 for entries in `signalled` (so a busy socket is queued once per look). */
  private readonly queued: Uint8Array
  private readonly unsubscribes: Array<() => void> = []
  private resume: (() => void) | undefined = undefined

  constructor(readonly readers: ReadonlyArray<R>, readonly writers: ReadonlyArray<W>) {
    this.queued = new Uint8Array(readers.length + writers.length)
  }

  /** Registers a listener on every open socket. */
  register(): void {
    const readers = this.readers
    const writers = this.writers
    const offset = readers.length
    for (let i = 0; i < readers.length; i++) {
      const r = readers[i]!
      if (!r.isClosed) this.unsubscribes.push(r.onReady(() => this.signal(i)))
    }
    for (let j = 0; j < writers.length; j++) {
      const w = writers[j]!
      if (!w.isClosed) this.unsubscribes.push(w.onReady(() => this.signal(offset + j)))
    }
  }

  /** Removes every registration. */
  unregister(): void {
    for (const u of this.unsubscribes) u()
    this.unsubscribes.length = 0
  }

  private isReady(entry: number): boolean {
    const offset = this.readers.length
    if (entry < offset) {
      const r = this.readers[entry]!
      return !r.isClosed && r.readable
    }
    const w = this.writers[entry - offset]!
    return !w.isClosed && w.writable
  }

  /** A socket's listener: queue the entry if it is ready now, and wake the fiber. */
  private signal(entry: number): void {
    if (this.queued[entry] === 1 || !this.isReady(entry)) return
    this.queued[entry] = 1
    this.signalled.push(entry)
    const resume = this.resume
    if (resume !== undefined) {
      this.resume = undefined
      resume()
    }
  }

  /** Some entry signalled since the last `take`: a wait ends at once. */
  readonly hasSignalled = (): boolean => this.signalled.length > 0

  /** The `Wait.Signal` of this select: one waiting fiber's listener, called by `signal`. */
  add(listener: () => void): void {
    this.resume = listener
  }

  remove(listener: () => void): void {
    if (this.resume === listener) this.resume = undefined
  }

  /** The signalled entries that are still ready, in input order; undefined when none is. */
  take(): Ready<R, W> | undefined {
    const entries = this.signalled
    this.signalled = []
    for (const e of entries) this.queued[e] = 0
    const ready = entries.filter((e) => this.isReady(e))
    if (ready.length === 0) return undefined
    ready.sort((a, b) => a - b)
    const offset = this.readers.length
    const readable: Array<R> = []
    const writable: Array<W> = []
    for (const e of ready) {
      if (e < offset) readable.push(this.readers[e]!)
      else writable.push(this.writers[e - offset]!)
    }
    return { readable: unique(readable), writable: unique(writable) }
  }
}

/** The sockets ready now (dirty readers first), or undefined when none is. One pass. */
const readyNow = <R extends Selectable, W extends Selectable>(readers: ReadonlyArray<R>, writers: ReadonlyArray<W>): Ready<R, W> | undefined => {
  let dirty: Array<R> | undefined
  let readable: Array<R> | undefined
  let writable: Array<W> | undefined
  for (const r of readers) {
    if (r.isClosed) continue
    if (r.dirty) (dirty ??= []).push(r)
    else if (r.readable) (readable ??= []).push(r)
  }
  for (const w of writers) {
    if (!w.isClosed && w.writable) (writable ??= []).push(w)
  }
  if (dirty === undefined && readable === undefined && writable === undefined) return undefined
  const readList = dirty === undefined ? (readable ?? []) : readable === undefined ? dirty : dirty.concat(readable)
  return { readable: unique(readList), writable: unique(writable ?? []) }
}

/**
 * `socket.select(recvt, sendt, timeout)`: waits until one of `readers` is readable
 * or one of `writers` is writable, within `timeout`, and succeeds with every
 * socket ready at that moment. Fails with `NetError.Timeout` (operation
 * `"select"`) when the time is up first (LuaSocket's `{}, {}, "timeout"`).
 *
 * - Readable: buffered data, EOF or an error (TCP client), a pending connection or
 *   a listen error (TCP server), a queued datagram or a pending error (UDP).
 *   Writable: a connected TCP client that is not backpressured; any open UDP socket.
 * - Closed sockets are ignored; a socket not yet connected is watched (it becomes
 *   writable when its connect, run in another fiber, succeeds).
 * - Readers whose `dirty` is true come first in `readable` and make select not
 *   wait (LuaSocket's check_dirty).
 * - Timeout 0 polls; negative or undefined waits without limit; with nothing to
 *   watch and no limit it waits forever (interruptible), as LuaSocket blocks.
 * - No limit on the number of sockets. Interrupting a waiting select removes
 *   every listener it registered.
 * - Readers / writers that are not arrays of selectable sockets (holes included), or a
 *   timeout that is not seconds, a Duration or undefined, fail `InvalidArgument` naming them.
 *
 * @since 0.1.0
 */
export const select = <R extends Selectable = never, W extends Selectable = never>(
  readers: ReadonlyArray<R> | undefined,
  writers?: ReadonlyArray<W> | undefined,
  timeout?: SelectTimeout
): Effect.Effect<Ready<R, W>, NetError.NetError> =>
  // Uninterruptible from the readiness check to the finalizer's installation: no event
  // falls between the check and the registration, and no registration outlives the call.
  Effect.uninterruptibleMask((restore) =>
    Effect.suspend(() => {
      const bad = badList("readers", readers) ?? badList("writers", writers) ?? badTimeout(timeout)
      if (bad !== undefined) return Effect.fail(bad)
      const rs = readers ?? []
      const ws = writers ?? []
      const limit = limitOf(timeout)
      const now = readyNow(rs, ws)
      if (now !== undefined) return Effect.succeed(now)
      if (Duration.isZero(limit)) return Effect.fail(timeoutError())
      const watch = new Watch(rs, ws)
      watch.register()
      return Effect.ensuring(restore(waitReady(watch, Timeout.make({ total: limit }))), Effect.sync(() => watch.unregister()))
    })
  )

/** Waits for a signalled entry that is still ready when looked at, within `policy`. */
const waitReady = <R extends Selectable, W extends Selectable>(watch: Watch<R, W>, policy: Timeout.TimeoutPolicy): Effect.Effect<Ready<R, W>, NetError.NetError> =>
  Wait.loop<Ready<R, W>, NetError.NetError>(policy, {
    signal: watch,
    ready: watch.hasSignalled,
    step: () => {
      const ready = watch.take()
      return ready === undefined ? undefined : Effect.succeed(ready)
    },
    onTimeout: timeoutError
  })
