/**
 * The wire between a Lua worker and the main thread: the layout of the shared control block,
 * the call states, and the one binary encoding of values used in both directions.
 *
 * A host call is one request and one reply. The worker encodes the request straight into the
 * shared data area (a `SharedArrayBuffer`) and rings the main thread by storing the request
 * length in the doorbell cell and `Atomics.notify` (the main thread waits on that cell with
 * `Atomics.waitAsync`: cheaper than a `postMessage`, whose clone and message event cost some
 * 7 us per call on one CPU, see bench/lua-bridge.ts `raw`). The main thread answers by
 * writing the reply into the same area, setting `state` to `ReplyInline` and `Atomics.notify`;
 * the worker, which spun briefly and then slept in `Atomics.wait`, decodes it. A message larger
 * than the shared area travels as a transferred `Uint8Array` over the port instead (state
 * `ReplyPort`, read with `receiveMessageOnPort`), so there is no size limit but memory.
 *
 * Values (tags, little-endian):
 * ```
 * Nil | False | True
 * Float  f64              Lua float  <-> JS number
 * Int    i64              Lua integer <-> JS bigint (into JS: number when it is a safe integer)
 * Str    u32 len, 0-7 zero bytes so the string starts 8-aligned, bytes
 *                         Lua string <-> Uint8Array (a JS string is sent as its UTF-8 bytes)
 * Pairs  u32 n, n x (key value)      a Lua table, as Lua holds it (Lua -> JS)
 * Array  u32 n, n x value            a JS array -> a Lua sequence
 * Record u32 n, n x (Str key, value) a plain JS object -> a Lua table with string keys
 * ```
 * @since 0.1.0
 */

/** Indices into the control block (an `Int32Array` over a `SharedArrayBuffer`). */
export const Ctl = {
  /** The call state, see {@link CallState}. The worker sleeps on this cell. */
  State: 0,
  /** Byte length of an inline reply. */
  Length: 1,
  /** Never written: the worker sleeps here for good once it has reported its exit. */
  Park: 2,
  /**
   * The doorbell: the worker stores a request's length here (or {@link Doorbell.OnPort} when
   * the request travels over the port) and notifies; the main thread waits on it with
   * `Atomics.waitAsync` and stores {@link Doorbell.Empty} when it takes the request.
   */
  Doorbell: 3,
  /** Cells in the block. */
  Size: 4
} as const

/** Values of the doorbell cell besides a request length (which is at least 8). */
export const Doorbell = {
  Empty: 0,
  /** The request was posted on the port (larger than the shared area): the port's listener takes it. */
  OnPort: 1
} as const

/** What the worker's current host call is waiting for. */
export const CallState = {
  Idle: 0,
  /** A request is posted; the main thread has not answered yet (the worker may spin). */
  Pending: 1,
  /** The host function returned a promise: the reply may take a while (informative). */
  Async: 2,
  /** The reply is in the shared data area, `Ctl.Length` bytes. */
  ReplyInline: 3,
  /** The reply was posted on the port (too large for the shared area). */
  ReplyPort: 4
} as const

/** Value tags. */
export const Tag = {
  Nil: 0,
  False: 1,
  True: 2,
  Float: 3,
  Int: 4,
  Str: 5,
  Pairs: 6,
  Array: 7,
  Record: 8
} as const

/** Reply status byte. */
export const Status = { Ok: 0, Error: 1 } as const

/** Maximum table nesting carried across the bridge (both directions). */
export const MaxDepth = 32

/** Messages the worker posts besides large requests (Uint8Arrays). */
export type WorkerMessage =
  | { readonly kind: "ready" }
  | { readonly kind: "output"; readonly fd: 1 | 2; readonly bytes: Uint8Array }
  | { readonly kind: "exit"; readonly code: number }

/** What the main thread hands a worker at start. */
export interface WorkerInput {
  readonly control: SharedArrayBuffer
  readonly data: SharedArrayBuffer
  readonly port: unknown
  readonly hostNames: ReadonlyArray<string>
  readonly script: { readonly file: string } | { readonly source: Uint8Array; readonly chunkName: string; readonly scriptName: string }
  readonly args: ReadonlyArray<string>
  readonly progName: string
  readonly env: Readonly<Record<string, string>>
  readonly output: "inherit" | "capture"
  readonly stdin: "inherit" | "none" | Uint8Array
  readonly spinMicros: number
  readonly builtinDir: string
}

const utf8 = new TextEncoder()

/**
 * A growable byte writer. It starts on the shared data area; when a message outgrows it, it
 * moves to a private buffer (and the message then travels over the port).
 */
export class Writer {
  buf: Uint8Array
  view: DataView
  pos = 0
  private readonly shared: Uint8Array

  constructor(shared: Uint8Array) {
    this.shared = shared
    this.buf = shared
    this.view = new DataView(shared.buffer, shared.byteOffset, shared.byteLength)
  }

  /** Start a new message on the shared area. */
  reset(): this {
    if (this.buf !== this.shared) {
      this.buf = this.shared
      this.view = new DataView(this.shared.buffer, this.shared.byteOffset, this.shared.byteLength)
    }
    this.pos = 0
    return this
  }

  /** Whether the message still fits the shared area. */
  get inShared(): boolean {
    return this.buf === this.shared
  }

  ensure(n: number): void {
    const need = this.pos + n
    if (need <= this.buf.length) return
    let size = Math.max(this.buf.length * 2, 1024)
    while (size < need) size *= 2
    const next = new Uint8Array(size)
    next.set(this.buf.subarray(0, this.pos))
    this.buf = next
    this.view = new DataView(next.buffer)
  }

  u8(v: number): void {
    this.ensure(1)
    this.buf[this.pos++] = v
  }

  u32(v: number): void {
    this.ensure(4)
    this.view.setUint32(this.pos, v, true)
    this.pos += 4
  }

  i32(v: number): void {
    this.ensure(4)
    this.view.setInt32(this.pos, v, true)
    this.pos += 4
  }

  f64(v: number): void {
    this.ensure(8)
    this.view.setFloat64(this.pos, v, true)
    this.pos += 8
  }

  i64(v: bigint): void {
    this.ensure(8)
    this.view.setBigInt64(this.pos, v, true)
    this.pos += 8
  }

  /**
   * A `Str` value from a byte range. The bytes start 8-aligned in the message: V8 copies to or
   * from a SharedArrayBuffer word by word only when both sides are aligned alike, byte by byte
   * otherwise (~1 ns per byte: 85 us for 64 KiB instead of ~6).
   */
  str(src: Uint8Array, start: number, end: number): void {
    const len = end - start
    this.ensure(12 + len)
    const at = (this.pos + 12) & ~7
    this.buf[this.pos] = Tag.Str
    this.view.setUint32(this.pos + 1, len, true)
    this.buf.fill(0, this.pos + 5, at)
    this.buf.set(src.subarray(start, end), at)
    this.pos = at + len
  }

  /** A `Str` value from a JS string, as UTF-8 (aligned like {@link str}). */
  text(s: string): void {
    this.ensure(12 + s.length * 3)
    const at = (this.pos + 12) & ~7
    this.buf[this.pos] = Tag.Str
    this.buf.fill(0, this.pos + 5, at)
    const { written } = utf8.encodeInto(s, this.buf.subarray(at))
    this.view.setUint32(this.pos + 1, written, true)
    this.pos = at + written
  }

  /** The message as a private (transferable) view, for the port. */
  detach(): Uint8Array {
    return this.buf.subarray(0, this.pos)
  }
}

/** A byte reader over one message (a private copy: strings may be views into it). */
export class Reader {
  pos = 0
  readonly view: DataView
  constructor(readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  }

  u8(): number {
    return this.buf[this.pos++]!
  }

  u32(): number {
    const v = this.view.getUint32(this.pos, true)
    this.pos += 4
    return v
  }

  /** After a `Str` tag: the length, leaving `pos` on the (8-aligned) first byte. */
  strLength(): number {
    const len = this.view.getUint32(this.pos, true)
    this.pos = (this.pos + 11) & ~7
    return len
  }

  i32(): number {
    const v = this.view.getInt32(this.pos, true)
    this.pos += 4
    return v
  }

  f64(): number {
    const v = this.view.getFloat64(this.pos, true)
    this.pos += 8
    return v
  }

  i64(): bigint {
    const v = this.view.getBigInt64(this.pos, true)
    this.pos += 8
    return v
  }
}
