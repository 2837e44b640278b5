/**
 * All of LuaSocket's receive patterns over one pull-based buffer
 * (spec/reference-semantics.md section 1, "receive"; LuaSocket's buffer.c).
 *
 * The buffer is fed chunks by a transport (a paused Node socket) and asks it to
 * pause above a high-water mark and to resume below it, so a fast peer cannot
 * grow memory without bound. A receive first tries its pattern on the bytes
 * already buffered: when they satisfy it, the result is produced synchronously,
 * with no fiber suspension and no copy (a view into the buffer; bytes handed out
 * are never overwritten). Otherwise it waits for the next chunk within the budget
 * that the Timeout policy gives, and on any failure returns the data already
 * received (`partial`, prefix included), consumed from the buffer as LuaSocket does.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { Closed, InvalidArgument, LineTooLong, type NetError, Timeout as TimeoutError, withPartial } from "./NetError.js"
import { describe } from "./internal/describe.js"
import type { Readiness } from "./internal/Readiness.js"
import { WaiterList } from "./internal/Waiters.js"
import * as Wait from "./internal/Wait.js"
import * as Timeout from "./Timeout.js"

/**
 * What a receive waits for.
 * - `Line`: up to LF; the LF and every CR are dropped; optional maximum length.
 * - `All`: until the peer closes; success when new bytes arrived, else Closed.
 * - `Exactly`: `count` bytes, the prefix included in the count.
 * - `Available`: whatever is buffered (at most `max` bytes), waiting only when nothing is.
 *
 * @since 0.1.0
 */
export type Pattern =
  | { readonly _tag: "Line"; readonly maxLength?: number | undefined }
  | { readonly _tag: "All" }
  | { readonly _tag: "Exactly"; readonly count: number }
  | { readonly _tag: "Available"; readonly max?: number | undefined }

/** @since 0.1.0 */
export const line: Pattern = { _tag: "Line" }
/** @since 0.1.0 */
export const all: Pattern = { _tag: "All" }
/** @since 0.1.0 */
export const exactly = (count: number): Pattern => ({ _tag: "Exactly", count })
/** @since 0.1.0 */
export const available = (max?: number): Pattern => ({ _tag: "Available", max })
/** @since 0.1.0 */
export const lineMax = (maxLength: number): Pattern => ({ _tag: "Line", maxLength })

const isCount = (n: unknown): boolean => typeof n === "number" && Number.isSafeInteger(n) && n >= 0

/** What is wrong with a pattern, or undefined when it is one. */
const patternProblem = (p: unknown): string | undefined => {
  if (p === line || p === all) return undefined
  if (typeof p !== "object" || p === null) return `bad receive pattern ${describe(p)}: expected line, all, exactly(n), lineMax(n) or available(max?)`
  const q = p as Record<string, unknown>
  switch (q._tag) {
    case "All":
      return undefined
    case "Line":
      return q.maxLength === undefined || isCount(q.maxLength) ? undefined : `bad receive pattern lineMax(${describe(q.maxLength)}): the maximum length must be an integer >= 0`
    case "Exactly":
      return isCount(q.count) ? undefined : `bad receive pattern exactly(${describe(q.count)}): the count must be an integer >= 0`
    case "Available":
      return q.max === undefined || isCount(q.max) ? undefined : `bad receive pattern available(${describe(q.max)}): max must be an integer >= 0`
    default:
      return `bad receive pattern with _tag ${describe(q._tag)}: expected line, all, exactly(n), lineMax(n) or available(max?)`
  }
}

/**
 * The typed error for receive arguments outside their contract (a pattern that is not one of
 * this module's, a count that is not an integer >= 0, a prefix that is not a Uint8Array), or
 * undefined when they are fine.
 *
 * @internal
 */
export const checkReceive = (pattern: unknown, prefix: unknown, operation = "receive"): InvalidArgument | undefined => {
  const problem = patternProblem(pattern)
  if (problem !== undefined) return new InvalidArgument({ operation, detail: problem })
  if (prefix !== undefined && !(prefix instanceof Uint8Array)) return new InvalidArgument({ operation, detail: `bad prefix ${describe(prefix)}: expected a Uint8Array` })
  return undefined
}

/**
 * The typed error for a byte argument (`name`) that is not a Uint8Array, or undefined.
 *
 * @internal
 */
export const checkBytes = (u: unknown, name: string, operation: string): InvalidArgument | undefined =>
  u instanceof Uint8Array ? undefined : new InvalidArgument({ operation, detail: `bad ${name} ${describe(u)}: expected a Uint8Array` })

/** The transport's flow control, driven by the buffer. @since 0.1.0 */
export interface FlowControl {
  pause(): void
  resume(): void
}

const LF = 10
const CR = 13
const EMPTY = new Uint8Array(0)
/** First storage of a connection. */
const INITIAL_CAPACITY = 2 * 1024
/** Storage doubles up to this, so that a busy connection allocates once per 256 KiB, not per chunk. */
const BLOCK_CAPACITY = 256 * 1024
/** Largest single read into the buffer (bigger reads measured slower: cache). */
const MAX_READ = 64 * 1024
/** Where connections that have not grown a full block read (see `region`); commit copies out at once. */
const scratch = Buffer.allocUnsafe(MAX_READ)
/** Smallest free space worth reading into; below it the buffer makes room first. */
const MIN_FREE = 16 * 1024
/**
 * Results shorter than this are views into the buffer (a view costs a third of a
 * copy), which then pins that storage: the buffer moves on to new storage when full.
 * Longer results are copies, so that bulk transfers keep reusing one warm storage
 * instead of allocating (and page-faulting) a new one every few reads.
 */
const COPY_FROM = 4 * 1024

/** Up to this many bytes are searched for CR by a loop (longer ranges: one native search). */
const SHORT_SCAN = 64

/** Marker returned when a pattern needs more bytes. */
const NEED_MORE: unique symbol = Symbol("NeedMore")
type Attempt = Uint8Array | NetError | typeof NEED_MORE

/** One receive call in progress: what it has consumed so far. */
interface Call {
  readonly pattern: Pattern
  readonly prefix: Uint8Array
  /** Raw bytes moved from the buffer into this call (views; CRs are dropped when the result is built). */
  acc: Array<Uint8Array>
  accLength: number
  /** Offset from `start` up to which the buffered bytes have been scanned for LF. */
  scanned: number
  /** Bytes this call has taken from the buffer (for `All`: success iff > 0). */
  taken: number
  /** `events` when the call last looked at the buffer: a wait registered later still sees what came since. */
  seen: number
}

const isError = (a: Attempt): a is NetError => typeof a === "object" && !(a instanceof Uint8Array)

/**
 * A receive call that waits: its state (`Call`) and what its wait asks (`Wait.LoopOptions`),
 * as methods of one object (a wait costs no closure per call).
 */
class WaitingCall implements Call, Wait.LoopOptions<Uint8Array, NetError> {
  acc: Array<Uint8Array> = []
  accLength = 0
  scanned = 0
  taken = 0
  readonly signal: Wait.Signal
  constructor(
    private readonly rb: ReadBuffer,
    readonly pattern: Pattern,
    readonly prefix: Uint8Array,
    public seen: number
  ) {
    this.signal = rb.waitSignal
  }
  ready(): boolean {
    return this.rb.eventCount !== this.seen
  }
  step(): Effect.Effect<Uint8Array, NetError> | undefined {
    return this.rb.stepCall(this)
  }
  onTimeout(): NetError {
    return this.rb.timeoutCall(this)
  }
  onAbandon(): void {
    this.rb.abandonCall(this)
  }
}

/** `prefix` followed by `parts`, with every CR of `parts` dropped when `dropCR` (lines). */
const build = (prefix: Uint8Array, parts: ReadonlyArray<Uint8Array>, dropCR: boolean): Uint8Array => {
  let total = prefix.length
  for (const p of parts) total += p.length
  const out = Buffer.allocUnsafe(total)
  out.set(prefix, 0)
  let n = prefix.length
  for (const p of parts) {
    if (!dropCR) {
      out.set(p, n)
      n += p.length
    } else {
      for (let k = 0; k < p.length; k++) {
        const b = p[k]!
        if (b !== CR) out[n++] = b
      }
    }
  }
  return n === total ? out : out.subarray(0, n)
}

/** A copy of `src[from, to)` without its CRs. */
const copyWithoutCR = (src: Buffer, from: number, to: number): Uint8Array => {
  const out = Buffer.allocUnsafe(to - from)
  let n = 0
  for (let k = from; k < to; k++) {
    const b = src[k]!
    if (b !== CR) out[n++] = b
  }
  return out.subarray(0, n)
}

/** An owned copy of `src[from, to)`. */
const copyOf = (src: Buffer, from: number, to: number): Uint8Array => {
  const out = Buffer.allocUnsafe(to - from) // uninitialised: no memset before the copy
  src.copy(out, 0, from, to)
  return out
}

/**
 * The arguments of a batch line poll (`TcpSocket#receiveLinesPoll`): the array the lines
 * are appended to, at most how many, the longest line taken; an InvalidArgument naming the
 * bad one, else undefined.
 *
 * @since 0.1.0
 */
export const checkPollLines = (into: unknown, max: unknown, maxLength: unknown): NetError | undefined => {
  if (!Array.isArray(into)) return new InvalidArgument({ operation: "receive", detail: `bad lines array ${describe(into)}: expected an array` })
  if (max !== undefined && !(typeof max === "number" && Number.isSafeInteger(max) && max >= 0)) {
    return new InvalidArgument({ operation: "receive", detail: `bad line count ${describe(max)}: expected an integer >= 0` })
  }
  if (maxLength !== undefined && !(typeof maxLength === "number" && Number.isSafeInteger(maxLength) && maxLength >= 0)) {
    return new InvalidArgument({ operation: "receive", detail: `bad maximum line length ${describe(maxLength)}: expected an integer >= 0` })
  }
  return undefined
}

/** A plain Uint8Array over all of `src`. */
const plain = (src: Buffer): Uint8Array => new Uint8Array(src.buffer, src.byteOffset, src.length)

/** Storage of a buffer that has not received anything (never written: length 0). */
const NO_STORAGE = Buffer.allocUnsafe(0)
const NO_BYTES = plain(NO_STORAGE)

/**
 * The receive buffer of one stream socket.
 *
 * @since 0.1.0
 */
export class ReadBuffer {
  private storage: Buffer = NO_STORAGE
  /** `storage` as a plain Uint8Array. */
  private bytes: Uint8Array = EMPTY
  /**
   * `storage`'s ArrayBuffer and offset: views of received bytes are made with
   * `new Uint8Array(memory, memoryOffset + from, length)`: a quarter to a half less per line
   * than `subarray` (no species lookup; Node 20, `npm run bench -- micro`).
   */
  private memory: ArrayBufferLike = EMPTY.buffer
  private memoryOffset = 0
  private start = 0
  private end = 0
  /** True when bytes of the current storage were handed out as views (so it must not be rewritten). */
  private shared = false
  /** The connection reads in bulk: it reads in place into its own storage (see `region`). */
  private bulk = false
  /** Index of the first CR in `[start, end)`, or Infinity: lets lines skip the CR scan. */
  private firstCR = Infinity
  /** `[start, crScanned)` has been searched for CR (lazily, only when a line needs it). */
  private crScanned = 0
  private paused = false
  private eof = false
  private failure: NetError | undefined = undefined
  private closed = false
  private readonly waiters = new WaiterList()
  /** Counts pushes, ends, errors and closes: a wait registered after the call last looked still sees what came since. */
  private events = 0
  /** Bytes received from the transport, for getstats. */
  received = 0
  /** @internal The owning socket's select listeners, told on every event (see `wake`). */
  readiness: Readiness | undefined = undefined

  constructor(
    private readonly flow: FlowControl,
    /** Pause the transport when this many bytes are buffered. */
    readonly highWaterMark: number = 256 * 1024
  ) {}

  /** Bytes buffered and not yet received. */
  get length(): number {
    return this.end - this.start
  }

  /** LuaSocket's `dirty()`: unread data is buffered. */
  get dirty(): boolean {
    return this.end > this.start
  }

  /** True once nothing more will arrive (peer closed, error, or local close). */
  get ended(): boolean {
    return this.eof || this.failure !== undefined || this.closed
  }

  /** Readiness for select: data, EOF or an error is there to be received. */
  get readable(): boolean {
    return this.end > this.start || this.ended
  }

  // ---- transport side ----------------------------------------------------------

  /** The transport received bytes (copied: the caller may reuse `chunk`). */
  push(chunk: Uint8Array, from = 0, to = chunk.length): void {
    const n = to - from
    if (n <= 0 || this.closed) return
    if (this.end + n > this.storage.length) this.grow(n)
    this.storage.set(n === chunk.length ? chunk : chunk.subarray(from, to), this.end)
    this.appended(n)
  }

  /**
   * Where the transport may read the next bytes to: a view of the free space
   * after the buffered bytes (at most `MAX_READ`, at least `MIN_FREE`, making room
   * first if needed). Reading straight into the buffer costs no copy and no
   * allocation per read; `commit` then takes the bytes. Bytes handed out to
   * receivers all lie before this region, so they are never overwritten.
   */
  region(): Uint8Array {
    // Until a connection shows bulk traffic (a read of MIN_FREE bytes or more, or enough
    // data buffered to grow its storage to a full block), it reads into one shared scratch
    // buffer and `commit` copies the (small) reads: a connection that exchanges a few lines
    // then costs no storage of its own beyond a pooled few KiB, and no external memory that
    // would provoke full GCs. A bulk connection reads in place (no copy per read), also
    // when its consumer keeps up and its storage would never have grown to a block.
    if (this.storage.length < BLOCK_CAPACITY) {
      if (!this.bulk) return scratch
      this.grow(BLOCK_CAPACITY - (this.end - this.start))
    }
    if (this.start === this.end && !this.shared && this.start !== 0) {
      this.start = this.end = 0
      this.firstCR = Infinity
      this.crScanned = 0
    }
    if (this.storage.length - this.end < MIN_FREE) this.grow(MIN_FREE)
    return this.bytes.subarray(this.end, Math.min(this.storage.length, this.end + MAX_READ))
  }

  /**
   * The transport read `n` bytes into `into`: a region this buffer gave out
   * (taken in place) or any other buffer (copied).
   */
  commit(n: number, into: Uint8Array): void {
    if (n <= 0 || this.closed) return
    if (into.buffer === this.storage.buffer && into.byteOffset === this.storage.byteOffset + this.end && this.end + n <= this.storage.length) {
      this.appended(n)
    } else {
      // A large read through the scratch buffer: from now on read in place.
      if (n >= MIN_FREE && into === scratch) this.bulk = true
      this.push(into, 0, n)
    }
  }

  /** `n` new bytes lie at `[end, end + n)`: account for them, apply flow control, wake receivers. */
  private appended(n: number): void {
    this.end += n
    this.received += n
    if (!this.paused && this.end - this.start >= this.highWaterMark) {
      this.paused = true
      this.flow.pause()
    }
    this.wake()
  }

  /** The peer closed its sending side. */
  pushEnd(): void {
    if (this.eof) return
    this.eof = true
    this.wake()
  }

  /** The transport failed (reset, ...): reported after the buffered bytes. */
  pushError(error: NetError): void {
    if (this.failure !== undefined) return
    this.failure = error
    this.wake()
  }

  /**
   * Local close (or shutdown of the receiving side): nothing more arrives, but what
   * is buffered can still be received, as with LuaSocket (its buffer outlives the fd).
   */
  close(): void {
    if (this.closed) return
    this.closed = true
    this.wake()
  }

  /** New storage, nothing of it handed out yet. */
  private setStorage(next: Buffer): void {
    this.storage = next
    this.bytes = next === NO_STORAGE ? NO_BYTES : plain(next)
    this.memory = next.buffer
    this.memoryOffset = next.byteOffset
    this.shared = false
  }

  private grow(n: number): void {
    const live = this.end - this.start
    if (!this.shared && live + n <= this.storage.length) {
      this.storage.copyWithin(0, this.start, this.end)
    } else {
      // Start small (most connections exchange little), double up to the block size, then stay.
      let capacity = Math.min(BLOCK_CAPACITY, Math.max(INITIAL_CAPACITY, this.storage.length * 2))
      while (capacity < live + n) capacity *= 2
      const next = Buffer.allocUnsafe(capacity)
      this.storage.copy(next, 0, this.start, this.end)
      this.setStorage(next)
    }
    if (this.firstCR !== Infinity) this.firstCR -= this.start
    this.crScanned = Math.max(0, this.crScanned - this.start)
    this.start = 0
    this.end = live
  }

  private wake(): void {
    this.events++
    this.readiness?.notify()
    this.waiters.wakeAll()
  }

  /** Consumes the buffered bytes up to `to`. */
  private advance(to: number): void {
    this.start = to
    if (this.firstCR < to) {
      // What lies after the consumed CR has not been searched yet.
      this.firstCR = Infinity
      this.crScanned = to
    } else if (this.crScanned < to) {
      this.crScanned = to
    }
    this.consumed()
  }

  /**
   * True when `[start, to)` holds no CR. Searches each byte at most once, and all
   * that is buffered in one native scan, so a run of short lines costs one scan per read.
   */
  private crFreeBefore(to: number): boolean {
    if (this.firstCR < to) return false
    if (this.crScanned >= to) return true
    const from = Math.max(this.crScanned, this.start)
    const end = this.end
    let at = -1
    if (end - from <= SHORT_SCAN) {
      // a short read (a request, a reply): a loop costs less than a view and a native call
      const bytes = this.bytes
      for (let k = from; k < end; k++) {
        if (bytes[k] === CR) {
          at = k
          break
        }
      }
    } else {
      const found = this.storage.subarray(from, end).indexOf(CR)
      if (found !== -1) at = from + found
    }
    if (at === -1) {
      this.crScanned = end
      return true
    }
    this.firstCR = at
    this.crScanned = at + 1
    return at >= to
  }

  private consumed(): void {
    // No rewind here even when empty: a read may be under way into the region after
    // `end`. `region` and `grow` rewind (only when no view was handed out).
    if (this.start === this.end) {
      if (this.shared && !this.bulk) {
        // Everything received, and views pin this storage: it can never be written again, so
        // let it go now (the next bytes would get new storage anyway). An idle connection then
        // holds no storage of its own (it reads through the shared scratch buffer).
        this.setStorage(NO_STORAGE)
        this.start = this.end = 0
      }
      this.firstCR = Infinity
      this.crScanned = this.start
    }
    if (this.paused && this.end - this.start < this.highWaterMark && !this.closed) {
      this.paused = false
      this.flow.resume()
    }
  }

  /** The bytes of `[from, to)` without CRs: a view when there are none and it is short (then never rewritten). */
  private lineBytes(from: number, to: number): Uint8Array {
    if (to === from) return EMPTY
    if (!this.crFreeBefore(to)) return copyWithoutCR(this.storage, from, to)
    if (to - from >= COPY_FROM) return copyOf(this.storage, from, to)
    this.shared = true
    return new Uint8Array(this.memory, this.memoryOffset + from, to - from)
  }

  /** A view of `[from, to)` of the storage, which is then never rewritten. */
  private view(from: number, to: number): Uint8Array {
    if (to - from >= COPY_FROM) return copyOf(this.storage, from, to)
    this.shared = true
    return new Uint8Array(this.memory, this.memoryOffset + from, to - from)
  }

  // ---- receive side ------------------------------------------------------------

  /** Everything this call holds, as the `partial` of a failure (consumes the buffer). */
  private partialOf(call: Call): Uint8Array {
    return this.collect(call, this.end, this.end)
  }

  /** Moves `n` buffered bytes, raw, into the call. */
  private take(call: Call, n: number): void {
    if (n <= 0) return
    const to = this.start + n
    call.acc.push(this.view(this.start, to))
    call.accLength += n
    call.taken += n
    call.scanned = 0
    this.advance(to)
  }

  /**
   * Puts back what an interrupted call had moved out of the buffer, so that an
   * interrupted receive loses no data.
   */
  private unread(call: Call): void {
    if (call.accLength === 0) return
    const live = this.end - this.start
    const next = Buffer.allocUnsafe(Math.max(INITIAL_CAPACITY, call.accLength + live))
    let at = 0
    for (const p of call.acc) {
      next.set(p, at)
      at += p.length
    }
    this.storage.copy(next, at, this.start, this.end)
    this.setStorage(next)
    this.start = 0
    this.end = at + live
    this.firstCR = Infinity
    this.crScanned = 0
    call.acc = []
    call.accLength = 0
    call.taken = 0
    call.scanned = 0
    if (!this.paused && this.end >= this.highWaterMark && !this.closed) {
      this.paused = true
      this.flow.pause()
    }
    this.readiness?.notify() // the bytes are readable again
  }

  private fail(call: Call, error: NetError): NetError {
    return withPartial(error, this.partialOf(call))
  }

  private closedError(call: Call): NetError {
    // (a new error made with its partial at once: one construction, not a copy of one)
    return this.failure === undefined ? new Closed({ operation: "receive", partial: this.partialOf(call) }) : this.fail(call, this.failure)
  }

  /**
   * prefix + acc + `[start, to)`, CRs dropped (but from the prefix) for lines;
   * consumes the buffer up to `skipTo`. A view when nothing needs joining.
   */
  private collect(call: Call, to: number, skipTo: number): Uint8Array {
    const from = this.start
    let result: Uint8Array
    if (call.accLength === 0 && call.prefix.length === 0) {
      if (to === from) result = EMPTY
      else if (call.pattern._tag === "Line") {
        result = this.lineBytes(from, to)
      } else result = this.view(from, to)
    } else {
      const parts = to > from ? [...call.acc, this.bytes.subarray(from, to)] : call.acc
      result = build(call.prefix, parts, call.pattern._tag === "Line")
    }
    this.advance(skipTo)
    return result
  }

  private attempt(call: Call): Attempt {
    const buffered = this.end - this.start
    const pattern = call.pattern
    switch (pattern._tag) {
      case "Line": {
        const max = pattern.maxLength
        const nl = buffered > 0 ? this.storage.indexOf(LF, this.start + call.scanned) : -1
        if (nl !== -1 && nl < this.end) {
          if (max !== undefined && call.accLength + (nl - this.start) > max) return this.tooLong(call, max)
          return this.collect(call, nl, nl + 1)
        }
        call.scanned = buffered
        if (max !== undefined && call.accLength + buffered > max) return this.tooLong(call, max)
        if (this.ended) return this.closedError(call)
        if (buffered >= this.highWaterMark) this.take(call, buffered)
        return NEED_MORE
      }
      case "Exactly": {
        const prefixLength = call.prefix.length
        if (prefixLength > 0 && pattern.count <= prefixLength) return call.prefix
        const need = pattern.count - prefixLength - call.accLength
        if (need === 0) {
          // receive(0): one wait for readability (LuaSocket still does one recv).
          if (buffered > 0 || call.taken > 0) return this.collect(call, this.start, this.start)
          if (this.ended) return this.closedError(call)
          return NEED_MORE
        }
        if (buffered >= need) return this.collect(call, this.start + need, this.start + need)
        if (this.ended) return this.closedError(call)
        if (buffered >= this.highWaterMark) this.take(call, buffered)
        return NEED_MORE
      }
      case "All": {
        if ((this.eof || this.closed) && this.failure === undefined) {
          if (call.taken + buffered > 0) return this.collect(call, this.end, this.end)
          return this.fail(call, new Closed({ operation: "receive" }))
        }
        if (this.failure !== undefined) return this.closedError(call)
        if (buffered >= this.highWaterMark) this.take(call, buffered)
        return NEED_MORE
      }
      case "Available": {
        if (buffered > 0) {
          const n = pattern.max === undefined ? buffered : Math.min(buffered, pattern.max)
          return this.collect(call, this.start + n, this.start + n)
        }
        if (this.ended) return this.closedError(call)
        return NEED_MORE
      }
    }
  }

  private tooLong(call: Call, max: number): NetError {
    // Consume only the first max + 1 bytes of the line: the partial stays bounded, and the
    // rest of the buffer (the LF, later lines) stays for the next receive.
    const k = Math.max(0, max + 1 - call.accLength)
    const partial = this.collect(call, this.start + k, this.start + k)
    return new LineTooLong({ operation: "receive", detail: `line longer than ${max} bytes`, partial })
  }

  /**
   * Receives by `pattern` with `prefix`, waiting within `policy`. Fails with the
   * typed error carrying `partial` (prefix included).
   */
  receive(pattern: Pattern, prefix: Uint8Array = EMPTY, policy: Timeout.TimeoutPolicy = Timeout.infinite): Effect.Effect<Uint8Array, NetError> {
    return Effect.suspend(() => {
      const bad = Timeout.checkPolicy(policy, "receive")
      return bad !== undefined ? Effect.fail(bad) : this.receiveNow(pattern, prefix, policy)
    })
  }

  /**
   * The body of `receive`, run when the effect runs: the result itself when the
   * buffered bytes satisfy the pattern, else the effect that waits. Callers that
   * cache `Effect.suspend(() => receiveNow(...))` save an allocation per call.
   */
  receiveNow(pattern: Pattern, prefix: Uint8Array, policy: Timeout.TimeoutPolicy): Effect.Effect<Uint8Array, NetError> {
    const bad = checkReceive(pattern, prefix)
    if (bad !== undefined) return Effect.fail(bad)
    const line = this.bufferedLine(pattern, prefix)
    if (line !== undefined) return Effect.succeed(line)
    const call = new WaitingCall(this, pattern, prefix, this.events)
    const first = this.attempt(call)
    if (first !== NEED_MORE) return isError(first) ? Effect.fail(first) : Effect.succeed(first)
    // Waits for the next event (something that arrived since the call last looked ends a
    // wait at once), tries again; an interrupted call puts back what it had taken.
    return Wait.loop(policy, call)
  }

  /** @internal What a waiting call registers with. */
  get waitSignal(): Wait.Signal {
    return this.waiters
  }

  /** @internal Counts events (a wait ends at once when it changed since the call looked). */
  get eventCount(): number {
    return this.events
  }

  /** @internal After a wait: the call's result, or undefined to wait again. */
  stepCall(call: Call): Effect.Effect<Uint8Array, NetError> | undefined {
    call.seen = this.events
    const next = this.attempt(call)
    if (next === NEED_MORE) return undefined
    return isError(next) ? Effect.fail(next) : Effect.succeed(next)
  }

  /** @internal The call's Timeout (consumes what it holds, as partial). */
  timeoutCall(call: Call): NetError {
    return new TimeoutError({ operation: "receive", partial: this.partialOf(call) })
  }

  /** @internal The call was interrupted: put back what it had taken. */
  abandonCall(call: Call): void {
    this.unread(call)
  }

  /** The commonest case without any allocation but the result: a whole line, no prefix, is buffered. */
  private bufferedLine(pattern: Pattern, prefix: Uint8Array): Uint8Array | undefined {
    if (pattern._tag !== "Line" || prefix.length !== 0 || pattern.maxLength !== undefined || this.end === this.start) return undefined
    const nl = this.storage.indexOf(LF, this.start)
    if (nl === -1 || nl >= this.end) return undefined
    const bytes = this.lineBytes(this.start, nl)
    this.advance(nl + 1)
    return bytes
  }

  /**
   * A receive that never waits, outside Effect: the result when the buffered bytes
   * satisfy the pattern (consumed), the typed error when the stream has ended or
   * failed (with its partial, consumed, as `receive`), or `undefined` when it would
   * have to wait (then nothing is consumed). For polling loops and facades that
   * want LuaSocket's speed on buffered data without an Effect per call.
   */
  poll(pattern: Pattern, prefix: Uint8Array = EMPTY): Uint8Array | NetError | undefined {
    return this.pollWith(pattern, prefix, false)
  }

  /**
   * `receive` with a zero budget (a policy that never waits: LuaSocket's `settimeout(0)`),
   * outside Effect: what `receive` with such a policy fails or succeeds with, at once. The
   * result when the buffered bytes satisfy the pattern; the end or failure of the stream
   * with its `partial`; else `Timeout`, whose `partial` holds what the pattern had taken
   * (consumed, as LuaSocket returns it and as the core's `receive` does).
   */
  pollOrTimeout(pattern: Pattern, prefix: Uint8Array = EMPTY): Uint8Array | NetError {
    return this.pollWith(pattern, prefix, true)!
  }

  /** One attempt outside Effect; when the pattern needs more: `Timeout` (consuming) or `undefined` (nothing consumed). */
  private pollWith(pattern: Pattern, prefix: Uint8Array, timeout: boolean): Uint8Array | NetError | undefined {
    const bad = checkReceive(pattern, prefix)
    if (bad !== undefined) return bad
    const line = this.bufferedLine(pattern, prefix)
    if (line !== undefined) return line
    const call: Call = { pattern, prefix, acc: [], accLength: 0, scanned: 0, taken: 0, seen: this.events }
    const first = this.attempt(call)
    if (first !== NEED_MORE) return first
    if (timeout) return this.timeoutCall(call)
    this.unread(call)
    return undefined
  }

  /**
   * Appends to `into` every complete line buffered now (at most `max` lines), each as
   * `receive(line)` returns it (LF ends a line, every CR dropped), and returns how many;
   * without waiting, and without looking at the end of the stream or a failure (`poll`
   * reports those). With `maxLength` (as `lineMax`) it stops before a line longer than
   * that, which `poll` then fails as `receive` does. One call per batch of lines instead
   * of one `poll` each: what a line stream pulls.
   */
  pollLines(into: Array<Uint8Array>, max = Number.POSITIVE_INFINITY, maxLength = Number.POSITIVE_INFINITY): number {
    if (this.end === this.start) return 0
    const storage = this.storage
    let count = 0
    if (this.crFreeBefore(this.end)) {
      // No CR in what is buffered (one native scan, remembered): each line is a view (a
      // copy when long), and the buffer advances once for the whole batch.
      const end = this.end
      const memory = this.memory
      const base = this.memoryOffset
      let from = this.start
      let viewed = false
      while (count < max) {
        const nl = storage.indexOf(LF, from)
        if (nl === -1 || nl >= end || nl - from > maxLength) break
        const length = nl - from
        if (length === 0) into.push(EMPTY)
        else if (length >= COPY_FROM) into.push(copyOf(storage, from, nl))
        else {
          into.push(new Uint8Array(memory, base + from, length))
          viewed = true
        }
        from = nl + 1
        count++
      }
      if (viewed) this.shared = true
      if (count > 0) this.advance(from)
      return count
    }
    while (count < max && this.end > this.start) {
      const from = this.start
      const nl = storage.indexOf(LF, from)
      if (nl === -1 || nl >= this.end || nl - from > maxLength) break
      into.push(this.lineBytes(from, nl))
      this.advance(nl + 1)
      count++
    }
    return count
  }

  /**
   * Takes the complete lines that are buffered now, as one block of raw bytes (up to and
   * including the last LF within about `maxBytes`; CRs kept), without waiting; empty when no
   * line is complete. For a reader that serves later `*l` receives itself (the Lua runtime)
   * and gives back what it did not use with `unshift`.
   */
  takeLines(maxBytes: number): Uint8Array {
    if (typeof maxBytes !== "number") return EMPTY // not a number: takes nothing
    const limit = Math.min(this.end, this.start + Math.max(1, maxBytes))
    const lf = this.storage.subarray(this.start, limit).lastIndexOf(LF)
    if (lf === -1) return EMPTY
    const to = this.start + lf + 1
    const block = Buffer.from(this.storage.subarray(this.start, to)) // a copy: the storage is reused
    this.advance(to)
    return block
  }

  /**
   * Puts `data` back in front of what is buffered (it will be received first). Throws an
   * `InvalidArgument` (a programmer error) when `data` is not a Uint8Array.
   */
  unshift(data: Uint8Array): void {
    const bad = checkBytes(data, "data", "unshift")
    if (bad !== undefined) throw bad
    if (data.length === 0) return
    this.unread({ pattern: { _tag: "All" }, prefix: EMPTY, acc: [data], accLength: data.length, scanned: 0, taken: 0, seen: this.events })
  }

  /**
   * Copies what is buffered (at most `target.length` bytes) into `target` now:
   * the count, the typed error when nothing is buffered and the stream has ended
   * (Closed, or the transport's error), or `undefined` when it would have to wait.
   * No allocation: for bulk transfers that reuse one buffer.
   */
  pollInto(target: Uint8Array): number | NetError | undefined {
    const n = Math.min(this.end - this.start, target.length)
    if (n > 0) {
      this.storage.copy(target, 0, this.start, this.start + n)
      this.advance(this.start + n)
      return n
    }
    if (target.length === 0 && !this.ended) return 0
    if (this.ended) return this.failure ?? new Closed({ operation: "receive" })
    return undefined
  }

  /**
   * `pollInto`, waiting within `policy` while nothing is buffered: the count of bytes
   * copied into `target` (at least 1 unless `target` is empty).
   */
  receiveInto(target: Uint8Array, policy: Timeout.TimeoutPolicy = Timeout.infinite): Effect.Effect<number, NetError> {
    return Effect.suspend(() => {
      const bad = checkBytes(target, "target", "receive") ?? Timeout.checkPolicy(policy, "receive")
      if (bad !== undefined) return Effect.fail(bad)
      const now = this.pollInto(target)
      if (now !== undefined) return typeof now === "number" ? Effect.succeed(now) : Effect.fail(now)
      const since = { seen: this.events }
      return Wait.loop<number, NetError>(policy, {
        signal: this.waiters,
        ready: () => this.events !== since.seen,
        step: () => {
          since.seen = this.events
          const next = this.pollInto(target)
          if (next === undefined) return undefined
          return typeof next === "number" ? Effect.succeed(next) : Effect.fail(next)
        },
        onTimeout: () => new TimeoutError({ operation: "receive" })
      })
    })
  }

  /**
   * Waits until the buffer is readable (data, EOF or error), within `limit`;
   * succeeds with whether it is. Used by select.
   */
  waitReadable(limit: Duration.Duration): Effect.Effect<boolean> {
    return Effect.suspend(() => {
      if (this.readable) return Effect.succeed(true)
      const since = { seen: this.events }
      return Effect.orElseSucceed(
        Wait.loop<boolean, "timeout">(Timeout.make({ total: limit }), {
          signal: this.waiters,
          ready: () => this.events !== since.seen,
          step: () => Effect.succeed(true),
          onTimeout: () => "timeout" as const
        }),
        () => false
      )
    })
  }
}
