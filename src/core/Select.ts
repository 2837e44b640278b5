/**
 * LuaSocket's `socket.select(recvt, sendt, timeout)` over the core's sockets
 * (spec/reference-semantics.md section 1, "select"), without its descriptor limit
 * (section 5, item 1): any number of sockets of any kind, TCP and UDP mixed.
 *
 * Readiness is pushed, not polled: every socket tells whoever watches it when it
 * may have become readable or writable, so a waiting select is woken by the sockets
 * that changed and looks only at them (its ready set). One call costs one pass over
 * its inputs (the readiness check and, while nothing is ready, the registration: a
 * few field writes in the socket's Readiness slot, no closure and no listener added
 * or removed per socket), then work in proportion to the sockets that signal. The
 * wake-up runs at the end of the event loop's poll phase (`setImmediate`), so one
 * call returns every socket that became ready in the same turn. Ending (result,
 * timeout, interruption) frees every slot at once and cancels a pending wake-up.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { describe } from "./internal/describe.js"
import { type Readiness, readinessOf, type Watcher } from "./internal/Readiness.js"
import { SocketBase } from "./internal/SocketBase.js"
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
  /**
   * Calls `listener` whenever readable or writable may have become true; returns the unsubscribe.
   * Select first calls it with a probe listener: an `onReady` that returns what a core socket's
   * `onReady` returns (a wrapper that forwards it) is taken to have no other event source, and
   * select watches the core socket's slot instead of adding a listener.
   */
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

/** The InvalidArgument for a select timeout that is not seconds, a Duration or undefined. */
const badTimeout = (timeout: unknown): NetError.NetError | undefined =>
  timeout === undefined || typeof timeout === "number" || Duration.isDuration(timeout)
    ? undefined
    : new NetError.InvalidArgument({ operation: "select", detail: `bad timeout ${describe(timeout)}: expected seconds (a number), a Duration or undefined` })

/** `readers` / `writers` as an array (undefined, null: empty), or the InvalidArgument naming it. */
const listOf = <A>(name: "readers" | "writers", list: ReadonlyArray<A> | undefined): ReadonlyArray<A> | NetError.NetError => {
  if (list === undefined || list === null) return []
  if (!Array.isArray(list)) return new NetError.InvalidArgument({ operation: "select", detail: `bad ${name} ${describe(list)}: expected an array of sockets` })
  return list
}

/** The InvalidArgument for entry `i` of a list, which is not a selectable socket. */
const badEntry = (name: "readers" | "writers", list: ReadonlyArray<unknown>, i: number): NetError.NetError =>
  new NetError.InvalidArgument({ operation: "select", detail: `bad ${name}: entry ${i} is ${i in list ? describe(list[i]) : "a hole"}, not a selectable socket` })

/** Each item once, in order (the lists are short: only ready sockets). */
const unique = <A>(items: Array<A>): Array<A> => (items.length < 2 ? items : Array.from(new Set(items)))

/**
 * One waiting select. Entry `e < readers.length` is `readers[e]`, the others
 * `writers[e - readers.length]`.
 *
 * Each watched socket is registered once per call, during the single pass over the
 * inputs: a core socket (or a wrapper whose `onReady` is its core socket's) through its
 * Readiness slot (a few field writes, see `Readiness`), anything else with an
 * `onReady` listener. A socket's event queues its entry (once, if ready) in
 * `signalled`: the ready set, the only entries a wake-up looks at. The wake-up is
 * deferred to the end of the event loop's poll phase (`setImmediate`), so that every
 * socket that became ready in the same turn is returned by one call. `finish` frees
 * every slot at once (one store) and removes the listeners (only those of sockets
 * without a slot) and the pending wake-up.
 */
class Watch<R extends Selectable, W extends Selectable> implements Watcher, Wait.Signal {
  live = true
  private readonly offset: number
  /** Entries that signalled and were ready when they did, not yet looked at. */
  private signalled: Array<number> = []
  /** 1 for entries in `signalled` (allocated on the first signal). */
  private queued: Uint8Array | undefined = undefined
  /** Removals of the `onReady` listeners (sockets without a slot). */
  private unsubscribes: Array<() => void> | undefined = undefined
  /** The waiting fiber's listener (`Wait.Signal`). */
  private resume: (() => void) | undefined = undefined
  private immediate: ReturnType<typeof setImmediate> | undefined = undefined

  constructor(private readers: ReadonlyArray<R>, private writers: ReadonlyArray<W>) {
    this.offset = readers.length
  }

  /** Watches `s`, entry `e` (a reader when `e < offset`). */
  watch(s: Selectable, e: number): void {
    const r = readinessOf(s.onReady, s)
    if (r !== undefined) {
      const w = r.watcher
      if (w !== this && (w === undefined || !w.live)) {
        r.watcher = this
        r.readEntry = -1
        r.writeEntry = -1
      }
      if (r.watcher === this) {
        if (e < this.offset) {
          if (r.readEntry < 0) {
            r.readEntry = e
            return
          }
          if (this.readers[r.readEntry] === s) return // listed twice
        } else {
          if (r.writeEntry < 0) {
            r.writeEntry = e
            return
          }
          if (this.writers[r.writeEntry - this.offset] === s) return // listed twice
        }
      }
      // the slot is another waiting select's, or another object shares this socket: a listener
    }
    ;(this.unsubscribes ??= []).push(s.onReady(() => this.signalEntry(e)))
  }

  /** Ends the watch: every slot is free at once; the listeners and the pending wake-up are removed. */
  finish(): void {
    if (!this.live) return
    this.live = false
    if (this.immediate !== undefined) {
      clearImmediate(this.immediate)
      this.immediate = undefined
    }
    this.resume = undefined
    const unsubscribes = this.unsubscribes
    this.unsubscribes = undefined
    if (unsubscribes !== undefined) for (const u of unsubscribes) u()
    // a finished watch may stay in slots until they are overwritten: it holds no socket
    this.readers = []
    this.writers = []
    this.signalled = []
    this.queued = undefined
  }

  private isReady(e: number): boolean {
    if (e < this.offset) {
      const r = this.readers[e]!
      return !r.isClosed && r.readable
    }
    const w = this.writers[e - this.offset]!
    return !w.isClosed && w.writable
  }

  /** A slot's socket signalled (`Watcher`). */
  signal(readiness: Readiness): void {
    if (readiness.readEntry >= 0) this.signalEntry(readiness.readEntry)
    if (readiness.writeEntry >= 0) this.signalEntry(readiness.writeEntry)
  }

  /** Queues the entry if it is ready now; wakes the fiber at the end of the poll phase. */
  private signalEntry(e: number): void {
    if (!this.live) return
    const queued = (this.queued ??= new Uint8Array(this.offset + this.writers.length))
    if (queued[e] === 1 || !this.isReady(e)) return
    queued[e] = 1
    this.signalled.push(e)
    if (this.resume !== undefined && this.immediate === undefined) this.immediate = setImmediate(this.wake)
  }

  private readonly wake = (): void => {
    this.immediate = undefined
    const resume = this.resume
    this.resume = undefined
    resume?.()
  }

  /** Some entry signalled since the last `take`: a wait ends at once. */
  readonly hasSignalled = (): boolean => this.signalled.length > 0

  /** `Wait.Signal`: the waiting fiber's listener (registered when nothing is signalled). */
  add(listener: () => void): void {
    this.resume = listener
  }

  remove(listener: () => void): void {
    if (this.resume !== listener) return
    this.resume = undefined
    if (this.immediate !== undefined) {
      clearImmediate(this.immediate)
      this.immediate = undefined
    }
  }

  /** The signalled entries that are still ready, in input order; undefined when none is. */
  take(): Ready<R, W> | undefined {
    const entries = this.signalled
    if (entries.length === 0) return undefined
    this.signalled = []
    const queued = this.queued!
    for (const e of entries) queued[e] = 0
    const ready = entries.filter((e) => this.isReady(e))
    if (ready.length === 0) return undefined
    ready.sort((a, b) => a - b)
    const offset = this.offset
    const readable: Array<R> = []
    const writable: Array<W> = []
    for (const e of ready) {
      if (e < offset) readable.push(this.readers[e]!)
      else writable.push(this.writers[e - offset]!)
    }
    // a slot is registered once per object: duplicates come only from listeners
    return this.unsubscribes === undefined ? { readable, writable } : { readable: unique(readable), writable: unique(writable) }
  }
}

/** The sockets ready now, or the InvalidArgument of a bad entry. */
type Scanned<R extends Selectable, W extends Selectable> = Ready<R, W> | NetError.NetError | undefined

/** Numbers the passes: a core socket's `Readiness.mark` says it is already in a result list of this pass. */
let passes = 0

/**
 * Each object once in a result list: a core socket is marked on its Readiness (a store
 * per ready socket), anything else (wrappers may share a core socket) goes through a Set.
 */
class Once {
  private others: Set<unknown> | undefined = undefined
  private readonly mark = ++passes
  first(s: Selectable): boolean {
    if (s instanceof SocketBase) {
      const r = readinessOf(s.onReady, s)
      if (r !== undefined) {
        if (r.mark === this.mark) return false
        r.mark = this.mark
        return true
      }
    }
    const others = (this.others ??= new Set())
    if (others.has(s)) return false
    others.add(s)
    return true
  }
}

/**
 * The one pass over the inputs: checks each entry, collects the sockets ready now
 * (dirty readers first, then input order, each once) and, while none is, registers
 * each open one with `watch`. Undefined when none is ready.
 */
const scan = <R extends Selectable, W extends Selectable>(rs: ReadonlyArray<R>, ws: ReadonlyArray<W>, watch: Watch<R, W> | undefined): Scanned<R, W> => {
  let dirty: Array<R> | undefined
  let readable: Array<R> | undefined
  let writable: Array<W> | undefined
  let once: Once | undefined
  let found = false
  for (let i = 0; i < rs.length; i++) {
    const r = rs[i]!
    if (!(r instanceof SocketBase) && !isSelectable(r)) return badEntry("readers", rs, i)
    if (r.isClosed) continue
    if (r.dirty) {
      if ((once ??= new Once()).first(r)) (dirty ??= []).push(r)
      found = true
    } else if (r.readable) {
      if ((once ??= new Once()).first(r)) (readable ??= []).push(r)
      found = true
    } else if (!found && watch !== undefined) watch.watch(r, i)
  }
  once = undefined
  const offset = rs.length
  for (let j = 0; j < ws.length; j++) {
    const w = ws[j]!
    if (!(w instanceof SocketBase) && !isSelectable(w)) return badEntry("writers", ws, j)
    if (w.isClosed) continue
    if (w.writable) {
      if ((once ??= new Once()).first(w)) (writable ??= []).push(w)
      found = true
    } else if (!found && watch !== undefined) watch.watch(w, offset + j)
  }
  if (!found) return undefined
  const readList = dirty === undefined ? (readable ?? []) : readable === undefined ? dirty : dirty.concat(readable)
  return { readable: readList, writable: writable ?? [] }
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
 *   every registration it made (and its pending wake-up, if any).
 * - Sockets that become ready in the same turn of the event loop are returned together.
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
      const rs = listOf("readers", readers)
      if (!Array.isArray(rs)) return Effect.fail(rs as NetError.NetError)
      const ws = listOf("writers", writers)
      if (!Array.isArray(ws)) return Effect.fail(ws as NetError.NetError)
      const badTime = badTimeout(timeout)
      const limit = badTime === undefined ? limitOf(timeout) : Duration.zero
      // registrations are made during the pass only when the call may wait
      const watch = Duration.isZero(limit) ? undefined : new Watch<R, W>(rs, ws)
      let scanned: Scanned<R, W>
      try {
        scanned = scan<R, W>(rs, ws, watch)
      } catch (e) {
        watch?.finish() // a getter threw: no registration outlives the call
        throw e
      }
      if (scanned !== undefined || badTime !== undefined || watch === undefined) {
        watch?.finish()
        if (scanned instanceof NetError.InvalidArgument) return Effect.fail(scanned)
        if (badTime !== undefined) return Effect.fail(badTime)
        return scanned !== undefined ? Effect.succeed(scanned as Ready<R, W>) : Effect.fail(timeoutError())
      }
      return Effect.ensuring(restore(waitReady(watch, Timeout.make({ total: limit }))), Effect.sync(() => watch.finish()))
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
