/**
 * Sockets as Effect `Stream`s and `Sink`s, LuaSocket's socket sources and sinks by
 * their names, and ltn12's vocabulary as a thin naming layer over Effect's own
 * Stream / Sink (spec/reference-semantics.md section 1, "ltn12 and socket sources/sinks").
 *
 * Every socket stream is pull-based: one pull of the stream takes, synchronously with
 * `receivePoll`, everything the socket's buffer already holds (one `Chunk` of many
 * lines, records or blocks), and waits with `receive` only when nothing is buffered.
 * No fiber per element; the socket is read only as far as the stream is pulled, and
 * the core pauses the Node socket above its high-water mark, so backpressure holds
 * from the consumer back to the peer. Interrupting a pull loses no data (an interrupted
 * `receive` puts back what it had taken).
 *
 * @since 0.1.0
 */
import * as Channel from "effect/Channel"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Sink from "effect/Sink"
import * as Stream from "effect/Stream"
import { describe } from "./internal/describe.js"
import * as NetError from "./NetError.js"
import * as ReadBuffer from "./ReadBuffer.js"
import type { Pattern } from "./ReadBuffer.js"
import type { TcpSocket } from "./Tcp.js"
import { checkPolicy, type TimeoutPolicy } from "./Timeout.js"

// ---- the socket a stream needs ------------------------------------------------------------

/**
 * What the streams and sinks use of a socket: a `Tcp.TcpSocket` (TCP or unix) has it all.
 *
 * @since 0.1.0
 */
export type StreamSocket =
  & Pick<TcpSocket, "receive" | "receivePoll" | "send" | "close" | "closeNow">
  & Partial<Pick<TcpSocket, "receiveLinesPoll">>

/** A value with what the streams and sinks use of a socket (whatever else it is). */
const isStreamSocket = (u: unknown): u is StreamSocket => {
  if ((typeof u !== "object" && typeof u !== "function") || u === null) return false
  try {
    const s = u as Partial<Record<keyof StreamSocket, unknown>>
    return typeof s.receive === "function" && typeof s.receivePoll === "function" && typeof s.send === "function" &&
      typeof s.closeNow === "function" && Effect.isEffect(s.close)
  } catch {
    return false // a getter that throws, a revoked proxy
  }
}

/**
 * The socket and the options object of a stream or sink, checked when it is made (not when
 * it runs): the `InvalidArgument` naming the bad one, or undefined.
 */
const badArguments = (operation: string, socket: unknown, options: unknown): NetError.NetError | undefined => {
  if (!isStreamSocket(socket)) {
    return new NetError.InvalidArgument({
      operation,
      detail: `bad socket ${describe(socket)}: expected a stream socket (a Tcp.TcpSocket, or anything with receive, receivePoll, send, close and closeNow)`
    })
  }
  if (options !== undefined && (typeof options !== "object" || options === null || Array.isArray(options))) {
    return new NetError.InvalidArgument({ operation, detail: `bad options ${describe(options)}: expected an object` })
  }
  if (options !== undefined) return checkPolicy((options as { readonly timeout?: unknown }).timeout, operation, "timeout option")
  return undefined
}

/** Options of every socket source. @since 0.1.0 */
export interface SourceOptions {
  /** The policy of each wait, instead of the socket's own (a `Timeout` fails the stream). */
  readonly timeout?: TimeoutPolicy
}

/** Options of every socket sink. @since 0.1.0 */
export interface SinkOptions {
  /** The policy of each send, instead of the socket's own (a `Timeout` fails the sink). */
  readonly timeout?: TimeoutPolicy
}

/** ltn12's `_VERSION`. @since 0.1.0 */
export const LTN12_VERSION = "LTN12 1.0.3"

/** ltn12's (and socket.lua's) `BLOCKSIZE`: the block of `source.string`, `until-closed`, `by-length`. @since 0.1.0 */
export const BLOCKSIZE = 2048

const EMPTY = new Uint8Array(0)

/**
 * The end of a stream, as opposed to its failure: `Closed` without a reset code (the
 * peer's orderly close, or a local close). A reset (`ECONNRESET` / `ECONNABORTED`) may
 * have lost data, so the Effect-native streams fail with it; LuaSocket's named sources
 * (`until-closed`) treat every `Closed` as the end, as LuaSocket does.
 */
const isOrderlyEnd = (e: NetError.NetError): boolean =>
  e._tag === "Closed" && e.code !== "ECONNRESET" && e.code !== "ECONNABORTED"

// ---- the pull engine ------------------------------------------------------------------------

/**
 * One socket reader as a small state machine: which pattern to receive next, what to do
 * with what arrived, and with a failure. Pure bookkeeping: the engine does the I/O.
 */
interface Reader<A> {
  /** The pattern of the next receive, or `undefined` when the stream is complete. */
  next(): Pattern | undefined
  /** A receive succeeded: push what to emit; return an error to fail the stream. */
  onData(bytes: Uint8Array, out: Array<A>): NetError.NetError | undefined
  /** A receive failed: push what to emit; `undefined` ends the stream, an error fails it. */
  onError(error: NetError.NetError, out: Array<A>): NetError.NetError | undefined
  /** Optional: push, at once, every element the socket's buffer already holds (before `next` is polled); an error fails the stream. */
  takeBuffered?: ((out: Array<A>) => NetError.NetError | undefined) | undefined
}

/**
 * A stream over a reader (a fresh one per run). Each pull polls until the buffer has
 * nothing more for the reader and emits all it produced as one chunk; only when a pull
 * would emit nothing does it wait, with one `receive`. What was produced before an end
 * or a failure is emitted first; the end or failure comes at the next pull.
 */
const fromReader = <A>(socket: StreamSocket, makeReader: () => Reader<A>, options: SourceOptions = {}): Stream.Stream<A, NetError.NetError> =>
  Stream.suspend(() => {
    const reader = makeReader()
    const timeout = options.timeout
    let done = false
    let failure: NetError.NetError | undefined

    const onData = (bytes: Uint8Array, out: Array<A>): void => {
      failure = reader.onData(bytes, out)
    }
    const onError = (error: NetError.NetError, out: Array<A>): void => {
      failure = reader.onError(error, out)
      done = true
    }
    const finish = (out: Array<A>): Effect.Effect<Chunk.Chunk<A>, Option.Option<NetError.NetError>> => {
      if (out.length > 0) return Effect.succeed(Chunk.unsafeFromArray(out))
      return failure !== undefined ? Effect.fail(Option.some(failure)) : Effect.fail(Option.none())
    }
    const run = (out: Array<A>): Effect.Effect<Chunk.Chunk<A>, Option.Option<NetError.NetError>> => {
      while (!done && failure === undefined) {
        if (reader.takeBuffered !== undefined) {
          failure = reader.takeBuffered(out)
          if (failure !== undefined) break
        }
        const pattern = reader.next()
        if (pattern === undefined) {
          done = true
          break
        }
        const result = socket.receivePoll(pattern)
        if (result === undefined) {
          if (out.length > 0) break
          // Nothing buffered for this pattern: the only wait of the pull.
          return Effect.matchEffect(socket.receive(pattern, undefined, timeout), {
            onSuccess: (bytes) => {
              onData(bytes, out)
              return run(out)
            },
            onFailure: (error) => {
              onError(error, out)
              return run(out)
            }
          })
        }
        if (result instanceof Uint8Array) onData(result, out)
        else onError(result, out)
      }
      return finish(out)
    }
    return Stream.repeatEffectChunkOption(Effect.suspend(() => (done || failure !== undefined ? finish([]) : run([]))))
  })

// ---- Effect-native socket streams ---------------------------------------------------------------

/** @since 0.1.0 */
export interface FromSocketOptions extends SourceOptions {
  /** Largest element, in bytes; default: whatever is buffered, as one element. */
  readonly chunkSize?: number
}

/**
 * The bytes a socket receives, as a stream of what is available (each element at most
 * `chunkSize` bytes). Ends when the peer closes (or the socket is closed locally);
 * a reset or any other error fails the stream with the typed `NetError`.
 *
 * @since 0.1.0
 */
export const fromSocket = (socket: StreamSocket, options: FromSocketOptions = {}): Stream.Stream<Uint8Array, NetError.NetError> => {
  const invalid = badArguments("fromSocket", socket, options) ?? positiveInteger("fromSocket", "chunkSize", options.chunkSize, true)
  if (invalid !== undefined) return Stream.fail(invalid)
  const pattern = ReadBuffer.available(options.chunkSize)
  return fromReader(socket, () => ({
    next: () => pattern,
    onData: (bytes, out) => {
      out.push(bytes)
      return undefined
    },
    onError: (error) => (isOrderlyEnd(error) ? undefined : error)
  }), options)
}

/** @since 0.1.0 */
export interface LinesOptions extends SourceOptions {
  /** A longer line fails the stream with `LineTooLong` (whose `partial` holds its first bytes). */
  readonly maxLength?: number
}

/**
 * The lines a socket receives, by LuaSocket's `*l` rules: a line ends at LF, the LF and
 * **every** CR are dropped. When the peer closes after an unterminated last line, that
 * line is emitted as the last element (what LuaSocket returns as `partial` with
 * `nil, "closed"`, CRs dropped), unless it is empty. A reset or other error fails the
 * stream (its `partial` holds the unterminated bytes).
 *
 * @since 0.1.0
 */
export const lines = (socket: StreamSocket, options: LinesOptions = {}): Stream.Stream<Uint8Array, NetError.NetError> => {
  const invalid = badArguments("lines", socket, options) ?? positiveInteger("lines", "maxLength", options.maxLength, true, 0)
  if (invalid !== undefined) return Stream.fail(invalid)
  const pattern = options.maxLength === undefined ? ReadBuffer.line : ReadBuffer.lineMax(options.maxLength)
  // A Tcp.TcpSocket hands over all its buffered complete lines in one call; the end, a
  // failure or a line too long then come from `receivePoll` / `receive` as for any socket.
  const takeLines = typeof socket.receiveLinesPoll === "function" ? socket.receiveLinesPoll.bind(socket) : undefined
  const maxLength = options.maxLength
  return fromReader(socket, () => ({
    takeBuffered: takeLines === undefined ? undefined : (out: Array<Uint8Array>) => {
      const taken = takeLines(out, undefined, maxLength)
      return typeof taken === "number" ? undefined : taken
    },
    next: () => pattern,
    onData: (line, out) => {
      out.push(line)
      return undefined
    },
    onError: (error, out) => {
      if (!isOrderlyEnd(error)) return error
      if (error.partial !== undefined && error.partial.length > 0) out.push(error.partial)
      return undefined
    }
  }), options)
}

/**
 * Fixed-size records of `size` bytes (LuaSocket's `receive(size)` in a loop). The stream
 * ends cleanly when the peer closes on a record boundary; a short last record fails it
 * with `Closed` whose `partial` holds the short record's bytes (a truncated record is an
 * error of a fixed-size protocol, and no byte is lost).
 *
 * @since 0.1.0
 */
export const records = (socket: StreamSocket, size: number, options: SourceOptions = {}): Stream.Stream<Uint8Array, NetError.NetError> => {
  const invalid = badArguments("records", socket, options) ?? positiveInteger("records", "size", size, false)
  if (invalid !== undefined) return Stream.fail(invalid)
  const pattern = ReadBuffer.exactly(size)
  return fromReader(socket, () => ({
    next: () => pattern,
    onData: (record, out) => {
      out.push(record)
      return undefined
    },
    onError: (error) => (isOrderlyEnd(error) && (error.partial === undefined || error.partial.length === 0) ? undefined : error)
  }), options)
}

const positiveInteger = (operation: string, name: string, value: unknown, optional: boolean, min = 1): NetError.NetError | undefined => {
  if (value === undefined && optional) return undefined
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= min) return undefined
  return new NetError.InvalidArgument({ operation, detail: `${name} must be an integer >= ${min}, got ${describe(value)}` })
}

// ---- sending ----------------------------------------------------------------------------------------

/** Elements shorter than this are joined with their neighbours into one send. */
const JOIN_BELOW = 16 * 1024
/** Largest joined send. */
const JOIN_UP_TO = 64 * 1024

/** The parts as sends: small neighbours joined (one syscall for many small elements), big ones as they are. */
const batches = (parts: ReadonlyArray<Uint8Array>): Array<Uint8Array> => {
  const out: Array<Uint8Array> = []
  let group: Array<Uint8Array> = []
  let groupLength = 0
  const flush = () => {
    if (group.length === 1) out.push(group[0]!)
    else if (group.length > 1) out.push(Buffer.concat(group, groupLength))
    group = []
    groupLength = 0
  }
  for (const p of parts) {
    if (p.length === 0) continue
    if (p.length >= JOIN_BELOW) {
      flush()
      out.push(p)
      continue
    }
    if (groupLength + p.length > JOIN_UP_TO) flush()
    group.push(p)
    groupLength += p.length
  }
  flush()
  return out
}

/**
 * The `InvalidArgument` for the first element of a sink's batch that is not a Uint8Array (a
 * stream typed `Uint8Array` that emits something else), or undefined: checked before anything
 * of the batch is sent.
 */
const badElement = (operation: string, parts: ReadonlyArray<unknown>): NetError.NetError | undefined => {
  for (const p of parts) {
    if (!(p instanceof Uint8Array)) return new NetError.InvalidArgument({ operation, detail: `bad element ${describe(p)}: expected a Uint8Array` })
  }
  return undefined
}

const sendAll = (socket: StreamSocket, parts: ReadonlyArray<Uint8Array>, options: SinkOptions): Effect.Effect<void, NetError.NetError> => {
  const bad = badElement("sink", parts)
  if (bad !== undefined) return Effect.fail(bad)
  const sends = batches(parts)
  if (sends.length === 0) return Effect.void
  if (sends.length === 1) return Effect.asVoid(socket.send(sends[0]!, 1, -1, options.timeout))
  return Effect.forEach(sends, (data) => socket.send(data, 1, -1, options.timeout), { discard: true })
}

/** @since 0.1.0 */
export interface ToSocketOptions extends SinkOptions {
  /** Close the socket when the run ends, however it ends (`close-when-done`). Default false (`keep-open`). */
  readonly closeWhenDone?: boolean
}

/**
 * A sink that sends every element with `send`, waiting as `send` does when Node's queue
 * is above the socket's write high-water mark (backpressure reaches the stream). A failed
 * send fails the sink with the typed error (`lastIndex` of the batch). The socket stays
 * open (`keep-open`) unless `closeWhenDone`.
 *
 * @since 0.1.0
 */
export const toSocket = (socket: StreamSocket, options: ToSocketOptions = {}): Sink.Sink<void, Uint8Array, never, NetError.NetError> => {
  const invalid = badArguments("toSocket", socket, options)
  if (invalid !== undefined) return Sink.fail(invalid)
  const sink = Sink.forEachChunk((chunk: Chunk.Chunk<Uint8Array>) => sendAll(socket, Chunk.toReadonlyArray(chunk), options))
  return options.closeWhenDone === true ? Sink.ensuring(sink, socket.close) : sink
}

// ---- HTTP/1.1 chunked transfer coding ----------------------------------------------------------------

const CRLF = new Uint8Array([13, 10])
const LAST_CHUNK = new Uint8Array([0x30, 13, 10, 13, 10]) // "0\r\n\r\n"
/** Longest chunk-size or trailer line the decoder accepts (`LineTooLong` beyond). */
const MAX_CHUNKED_LINE = 16 * 1024

/**
 * The encoding of one chunk: `%X\r\n`, the data, `\r\n` (LuaSocket's http-chunked sink).
 * Empty data encodes to nothing: `0\r\n\r\n` would end the body.
 *
 * A pure helper without an error channel: `data` that is not a Uint8Array is a programmer
 * error and **throws** an `InvalidArgument` naming it (as `Timeout.make` does).
 *
 * @since 0.1.0
 */
export const encodeChunk = (data: Uint8Array): ReadonlyArray<Uint8Array> => {
  const bad = ReadBuffer.checkBytes(data, "data", "Streams.encodeChunk")
  if (bad !== undefined) throw bad
  return data.length === 0 ? [] : [Buffer.from(`${data.length.toString(16).toUpperCase()}\r\n`, "latin1"), data, CRLF]
}

/** The last chunk (no trailers): `0\r\n\r\n`. @since 0.1.0 */
export const lastChunk: Uint8Array = LAST_CHUNK

/**
 * The chunk size of a chunk-size line (CRs already dropped by the line pattern):
 * extensions after `;` are skipped, as LuaSocket does, and spaces around the hex
 * digits allowed; anything else is `undefined`.
 */
const parseChunkSize = (line: Uint8Array): number | undefined => {
  let text = Buffer.from(line.buffer, line.byteOffset, line.length).toString("latin1")
  const semicolon = text.indexOf(";")
  if (semicolon !== -1) text = text.slice(0, semicolon)
  text = text.trim()
  if (!/^[0-9A-Fa-f]{1,13}$/.test(text)) return undefined
  return Number.parseInt(text, 16)
}

const malformed = (detail: string, partial: Uint8Array): NetError.NetError =>
  new NetError.InvalidArgument({ operation: "receive", detail, partial })

/** @since 0.1.0 */
export interface HttpChunkedSourceOptions extends SourceOptions {
  /** A larger chunk fails the stream with `InvalidArgument` before its data is read. Default: no limit (LuaSocket's). */
  readonly maxChunkSize?: number
}

const httpChunkedReader = (maxChunkSize: number): Reader<Uint8Array> => {
  const sizeLine = ReadBuffer.lineMax(MAX_CHUNKED_LINE)
  let state: "size" | "data" | "data-end" | "trailer" | "done" = "size"
  let dataPattern: Pattern = ReadBuffer.exactly(1)
  return {
    next: () => {
      switch (state) {
        case "size":
        case "data-end":
        case "trailer":
          return sizeLine
        case "data":
          return dataPattern
        case "done":
          return undefined
      }
    },
    onData: (bytes, out) => {
      switch (state) {
        case "size": {
          const size = parseChunkSize(bytes)
          // LuaSocket's own message for a bad size line.
          if (size === undefined) return malformed("invalid chunk size", bytes)
          if (size > maxChunkSize) return malformed(`chunk of ${size} bytes is larger than maxChunkSize (${maxChunkSize})`, bytes)
          if (size === 0) {
            state = "trailer"
          } else {
            state = "data"
            dataPattern = ReadBuffer.exactly(size)
          }
          return undefined
        }
        case "data":
          out.push(bytes)
          state = "data-end"
          return undefined
        case "data-end":
          // LuaSocket reads (and ignores) a line here; a strict decoder wants the CRLF itself.
          if (bytes.length !== 0) return malformed("invalid chunk terminator: expected CRLF after the chunk data", bytes)
          state = "size"
          return undefined
        case "trailer":
          // Trailers are skipped; the empty line ends the body (and nothing after it is read).
          if (bytes.length === 0) state = "done"
          return undefined
        case "done":
          return undefined
      }
    },
    // The body is incomplete until the last chunk: every failure (a close too) fails it.
    onError: (error) => error
  }
}

// ---- LuaSocket's socket sources and sinks -------------------------------------------------------------

/** `socket.source` modes. @since 0.1.0 */
export type SourceMode = "by-length" | "until-closed" | "http-chunked"

/** `socket.sink` modes. @since 0.1.0 */
export type SinkMode = "keep-open" | "close-when-done" | "http-chunked"

/** Options of `source("by-length")` and `source("until-closed")`. @since 0.1.0 */
export interface BlockSourceOptions extends SourceOptions {
  /** Bytes per element; default `BLOCKSIZE` (2048), as socket.lua. */
  readonly blockSize?: number
}

/**
 * `by-length`: exactly `length` bytes, in blocks of `blockSize` (`receive(min(BLOCKSIZE,
 * left))` in a loop, as socket.lua), then the end. A close before `length` bytes fails with
 * `Closed` whose `partial` holds the short block.
 */
const byLength = (socket: StreamSocket, length: number, options: BlockSourceOptions): Stream.Stream<Uint8Array, NetError.NetError> => {
  const invalid = positiveInteger("source", "length", length, false, 0) ?? positiveInteger("source", "blockSize", options.blockSize, true)
  if (invalid !== undefined) return Stream.fail(invalid)
  const blockSize = options.blockSize ?? BLOCKSIZE
  const full = ReadBuffer.exactly(blockSize)
  return fromReader(socket, () => {
    let left = length
    return {
      next: () => (left <= 0 ? undefined : left >= blockSize ? full : ReadBuffer.exactly(left)),
      onData: (block, out) => {
        left -= block.length
        out.push(block)
        return undefined
      },
      onError: (error) => error
    }
  }, options)
}

/**
 * `until-closed`: blocks of `blockSize` until the peer closes; at the close the socket is
 * closed and the short last block (LuaSocket's `partial`) is the last element (when not
 * empty). As in LuaSocket every `Closed` is the end, a reset too.
 */
const untilClosed = (socket: StreamSocket, options: BlockSourceOptions): Stream.Stream<Uint8Array, NetError.NetError> => {
  const invalid = positiveInteger("source", "blockSize", options.blockSize, true)
  if (invalid !== undefined) return Stream.fail(invalid)
  const pattern = ReadBuffer.exactly(options.blockSize ?? BLOCKSIZE)
  return fromReader(socket, () => ({
    next: () => pattern,
    onData: (block, out) => {
      out.push(block)
      return undefined
    },
    onError: (error, out) => {
      if (error._tag !== "Closed") return error
      socket.closeNow()
      if (error.partial !== undefined && error.partial.length > 0) out.push(error.partial)
      return undefined
    }
  }), options)
}

/**
 * LuaSocket's `socket.source(mode, sock, length)` as a Stream of bytes:
 * - `by-length`: exactly `length` bytes then the end; a close before fails with `Closed`
 *   (the short block in `partial`).
 * - `until-closed`: until the peer closes; the short last block is the last element and
 *   the socket is closed.
 * - `http-chunked`: decodes HTTP/1.1 chunked transfer coding, one element per chunk;
 *   extensions and trailers are skipped; ends after the last chunk's empty line (nothing
 *   after it is read). Malformed input fails with `InvalidArgument` (`"invalid chunk size"`
 *   as LuaSocket says, `partial` = the offending line), a close before the end with `Closed`.
 *
 * Also holds ltn12's source constructors: `source.empty`, `source.string`, `source.cat`,
 * `source.chain`, `source.error`.
 *
 * @since 0.1.0
 */
export interface SocketSource {
  (mode: "by-length", socket: StreamSocket, length: number, options?: BlockSourceOptions): Stream.Stream<Uint8Array, NetError.NetError>
  (mode: "until-closed", socket: StreamSocket, options?: BlockSourceOptions): Stream.Stream<Uint8Array, NetError.NetError>
  (mode: "http-chunked", socket: StreamSocket, options?: HttpChunkedSourceOptions): Stream.Stream<Uint8Array, NetError.NetError>
}

const socketSource = ((mode: SourceMode, socket: StreamSocket, third?: number | SourceOptions, fourth?: SourceOptions) => {
  switch (mode) {
    case "by-length": {
      const invalid = badArguments("source", socket, fourth)
      if (invalid !== undefined) return Stream.fail(invalid)
      return byLength(socket, third as number, (fourth ?? {}) as BlockSourceOptions)
    }
    case "until-closed": {
      const invalid = badArguments("source", socket, third)
      if (invalid !== undefined) return Stream.fail(invalid)
      return untilClosed(socket, (third ?? {}) as BlockSourceOptions)
    }
    case "http-chunked": {
      const options = (third ?? {}) as HttpChunkedSourceOptions
      const invalid = badArguments("source", socket, third) ?? positiveInteger("source", "maxChunkSize", options.maxChunkSize, true)
      if (invalid !== undefined) return Stream.fail(invalid)
      return fromReader(socket, () => httpChunkedReader(options.maxChunkSize ?? Number.MAX_SAFE_INTEGER), options)
    }
    default:
      return Stream.fail(new NetError.InvalidArgument({ operation: "source", detail: `unknown source mode ${describe(mode)}: expected by-length, until-closed or http-chunked` }))
  }
}) as SocketSource

/**
 * The `http-chunked` sink: each non-empty element as one chunk (`%X\r\n` data `\r\n`), and
 * `0\r\n\r\n` when the stream ends. When the stream fails the last chunk is **not** sent, so
 * the peer sees a truncated body rather than a complete one (LuaSocket's pump would send it).
 * The socket stays open.
 */
const httpChunkedSink = (socket: StreamSocket, options: SinkOptions): Sink.Sink<void, Uint8Array, never, NetError.NetError> =>
  Sink.forEachChunk((chunk: Chunk.Chunk<Uint8Array>) => {
    const elements = Chunk.toReadonlyArray(chunk)
    const bad = badElement("sink", elements)
    if (bad !== undefined) return Effect.fail(bad)
    const parts: Array<Uint8Array> = []
    for (const data of elements) for (const p of encodeChunk(data)) parts.push(p)
    return sendAll(socket, parts, options)
  }).pipe(Sink.mapEffect(() => Effect.asVoid(socket.send(LAST_CHUNK, 1, -1, options.timeout))))

/**
 * LuaSocket's `socket.sink(mode, sock)` as a Sink of bytes:
 * - `keep-open` (default): sends every element, leaves the socket open.
 * - `close-when-done`: the same, and closes the socket when the run ends (however it ends).
 * - `http-chunked`: encodes every non-empty element as one chunk, `0\r\n\r\n` at the end.
 *
 * Also holds ltn12's sink constructors: `sink.table`, `sink.null`, `sink.chain`, `sink.error`.
 *
 * @since 0.1.0
 */
export interface SocketSink {
  (mode: SinkMode, socket: StreamSocket, options?: SinkOptions): Sink.Sink<void, Uint8Array, never, NetError.NetError>
}

const socketSink: SocketSink = (mode, socket, options = {}) => {
  if (mode === "keep-open" || mode === "close-when-done" || mode === "http-chunked") {
    const invalid = badArguments("sink", socket, options)
    if (invalid !== undefined) return Sink.fail(invalid)
  }
  switch (mode) {
    case "keep-open":
      return toSocket(socket, options)
    case "close-when-done":
      return toSocket(socket, { ...options, closeWhenDone: true })
    case "http-chunked":
      return httpChunkedSink(socket, options)
    default:
      return Sink.fail(new NetError.InvalidArgument({ operation: "sink", detail: `unknown sink mode ${describe(mode)}: expected keep-open, close-when-done or http-chunked` }))
  }
}

// ---- ltn12 ------------------------------------------------------------------------------------------------

const textEncoder = new TextEncoder()
const asBytes = (s: string | Uint8Array): Uint8Array => (typeof s === "string" ? textEncoder.encode(s) : s)

/**
 * An ltn12 filter: a function from a byte stream to a byte stream (stateful filters keep
 * their state per run, e.g. with `filter.cycle` or `Stream.mapAccum`).
 *
 * @since 0.1.0
 */
export interface Filter<E = never, R = never> {
  <E1, R1>(self: Stream.Stream<Uint8Array, E1, R1>): Stream.Stream<Uint8Array, E | E1, R | R1>
}

/**
 * ltn12's low-level filter function for `filter.cycle`: called with the context, a chunk
 * (`undefined` once at the end) and `extra`; returns the output and the next context.
 *
 * @since 0.1.0
 */
export type LowLevelFilter<C, X> = (context: C, chunk: Uint8Array | undefined, extra: X) => readonly [Uint8Array, C]

/** ltn12 `source.*`. */
const ltn12Source = {
  /** `source.empty()`: ends at once. */
  empty: (): Stream.Stream<Uint8Array> => Stream.empty,
  /** `source.error(err)`: fails with `err`. */
  error: <E>(error: E): Stream.Stream<Uint8Array, E> => Stream.fail(error),
  /**
   * `source.string(data, blockSize?)`: the bytes of `data` (a string as UTF-8) in blocks of
   * `blockSize` (default `BLOCKSIZE`; a fraction is truncated, a block is at least 1 byte, and 0,
   * NaN or a value that is not a number mean `BLOCKSIZE`: ltn12's source never fails); `""` ends
   * at once. The stream has no error channel: `data` that is neither a string nor a Uint8Array
   * is a programmer error and **throws** an `InvalidArgument` naming it when the source is made.
   */
  string: (data: string | Uint8Array, blockSize: number = BLOCKSIZE): Stream.Stream<Uint8Array> => {
    if (typeof data !== "string" && !(data instanceof Uint8Array)) {
      throw new NetError.InvalidArgument({ operation: "Streams.source.string", detail: `bad data ${describe(data)}: expected a string or a Uint8Array` })
    }
    return Stream.suspend(() => {
      const bytes = asBytes(data)
      const step = typeof blockSize === "number" ? Math.max(1, Math.trunc(blockSize) || BLOCKSIZE) : BLOCKSIZE
      const blocks: Array<Uint8Array> = []
      for (let i = 0; i < bytes.length; i += step) blocks.push(bytes.subarray(i, i + step))
      return Stream.fromChunk(Chunk.unsafeFromArray(blocks))
    })
  },
  /** `source.cat(...)`: each source in turn (a failure stops it). */
  cat: <E, R>(...sources: ReadonlyArray<Stream.Stream<Uint8Array, E, R>>): Stream.Stream<Uint8Array, E, R> =>
    Stream.concatAll(Chunk.fromIterable(sources)),
  /** `source.chain(src, f)`: the source seen through the filter. */
  chain: <E, R, E2, R2>(source: Stream.Stream<Uint8Array, E, R>, filter: Filter<E2, R2>): Stream.Stream<Uint8Array, E | E2, R | R2> =>
    filter(source)
}

/** ltn12 `sink.*`. */
const ltn12Sink = {
  /** `sink.table(t)`: collects the chunks (`table.concat(t)` is `concat` of the result). */
  table: (): Sink.Sink<Chunk.Chunk<Uint8Array>, Uint8Array> => Sink.collectAll<Uint8Array>(),
  /** `sink.null()`: takes everything, keeps nothing. */
  null: (): Sink.Sink<void, unknown> => Sink.drain,
  /** `sink.error(err)`: fails with `err` at once. */
  error: <E>(error: E): Sink.Sink<never, unknown, never, E> => Sink.fail(error),
  /** `sink.chain(f, snk)`: a sink that passes what it takes through the filter into `snk`. */
  chain: <A, E, R, E2, R2>(filter: Filter<E2, R2>, sink: Sink.Sink<A, Uint8Array, unknown, E, R>): Sink.Sink<A, Uint8Array, never, E | E2, R | R2> => {
    // The sink's upstream seen as a stream (an identity channel), filtered, then piped into the sink.
    // (Stream's channel types erase their input side, hence the casts.)
    type Bytes = Chunk.Chunk<Uint8Array>
    const identity = Channel.identity<Bytes, never, unknown>() as unknown as Channel.Channel<Bytes, unknown, never, unknown, unknown, unknown>
    const filtered = Stream.toChannel(filter(Stream.fromChannel(identity))) as unknown as Channel.Channel<Bytes, Bytes, E2, never, unknown, unknown, R2>
    const into = Sink.toChannel(sink) as unknown as Channel.Channel<Bytes, Bytes, E, E2, A, unknown, R>
    return Sink.fromChannel(Channel.pipeTo(filtered, into)) as unknown as Sink.Sink<A, Uint8Array, never, E | E2, R | R2>
  }
}

/** ltn12 `filter.*`. */
const ltn12Filter = {
  /** `filter.chain(f1, f2, ...)`: the filters one after the other (f1 first). */
  chain: <E, R>(...filters: ReadonlyArray<Filter<E, R>>): Filter<E, R> =>
    <E1, R1>(self: Stream.Stream<Uint8Array, E1, R1>) =>
      filters.reduce<Stream.Stream<Uint8Array, E | E1, R | R1>>((s, f) => f(s), self),
  /**
   * `filter.cycle(low, ctx, extra)`: a stateful filter from a low-level function; `low` is
   * called once more with `undefined` at the end, and what it returns then is the last
   * element (when not empty). The context starts afresh at each run.
   */
  cycle: <C, X>(low: LowLevelFilter<C, X>, context: C, extra: X): Filter =>
    <E1, R1>(self: Stream.Stream<Uint8Array, E1, R1>) =>
      Stream.suspend(() => {
        let ctx = context
        const step = (chunk: Uint8Array | undefined): Uint8Array => {
          const [out, next] = low(ctx, chunk, extra)
          ctx = next
          return out
        }
        return Stream.concat(
          Stream.filter(Stream.map(self, step), (out) => out.length > 0),
          Stream.suspend(() => {
            const last = step(undefined)
            return last.length > 0 ? Stream.make(last) : Stream.empty
          })
        )
      })
}

/**
 * A source and a sink being pumped one chunk at a time (`pump.step`), opened by `pump.open`.
 *
 * @since 0.1.0
 */
export interface Pump<A, E> {
  /**
   * `pump.step`: moves the source's next element (an ltn12 chunk) into the sink and waits until the sink has
   * taken it: `true` (LuaSocket's `1`); `false` once the source has ended and the sink
   * finished (LuaSocket's `nil`), or after the sink finished early; fails with the source's
   * or the sink's error (`nil, err`).
   */
  readonly step: Effect.Effect<boolean, E>
  /** The sink's result, once `step` has returned false. */
  readonly result: Effect.Effect<Option.Option<A>>
}

/** ltn12 `pump.*`. */
const ltn12Pump = {
  /** `pump.all(src, snk)`: runs the source into the sink: the sink's result (LuaSocket's `1`), or the error (`nil, err`). */
  all: <A, E, R, E2, R2>(source: Stream.Stream<Uint8Array, E, R>, sink: Sink.Sink<A, Uint8Array, unknown, E2, R2>): Effect.Effect<A, E | E2, R | R2> =>
    Stream.run(source, sink),
  /**
   * Opens a step-by-step pump of `source` into `sink` within the scope (the sink runs in one
   * fiber of the scope; `step` hands it one chunk at a time).
   */
  open: <A, E, R, E2, R2>(source: Stream.Stream<Uint8Array, E, R>, sink: Sink.Sink<A, Uint8Array, unknown, E2, R2>): Effect.Effect<Pump<A, E | E2>, never, Scope.Scope | R | R2> =>
    Effect.gen(function*() {
      const pull = yield* Stream.toPull(source)
      const requests = yield* Queue.unbounded<void>()
      const items = yield* Queue.bounded<Exit.Exit<Chunk.Chunk<Uint8Array>, Option.Option<E>>>(1)
      // The sink's side: ask for a chunk (having finished the previous one), then take it.
      const sinkSide = Stream.repeatEffectChunkOption(Effect.zipRight(Queue.offer(requests, undefined), Effect.flatten(Queue.take(items))))
      const fiber = yield* Effect.forkScoped(Stream.run(sinkSide, sink))
      let primed = false
      let pending: Array<Uint8Array> = []
      let finished: Exit.Exit<A, E | E2> | undefined
      /** Until the sink asks for the next chunk (`undefined`) or finishes (its exit). */
      const ready: Effect.Effect<Exit.Exit<A, E | E2> | undefined> = Effect.raceFirst(
        Effect.as(Queue.take(requests), undefined),
        Fiber.await(fiber)
      )
      const end = (exit: Exit.Exit<A, E | E2>): Effect.Effect<boolean, E | E2> => {
        finished = exit
        return Exit.isSuccess(exit) ? Effect.succeed(false) : Effect.failCause(exit.cause)
      }
      const step: Effect.Effect<boolean, E | E2, R> = Effect.suspend(() => {
        if (finished !== undefined) return end(finished)
        return Effect.gen(function*() {
          if (!primed) {
            const early = yield* ready
            if (early !== undefined) return yield* end(early)
            primed = true
          }
          // One element per step (an ltn12 chunk), though the source pulls whole Chunks.
          while (pending.length === 0) {
            const pulled = yield* Effect.exit(pull)
            if (Exit.isFailure(pulled)) {
              yield* Queue.offer(items, pulled)
              return yield* end(yield* Fiber.await(fiber))
            }
            pending = Chunk.toArray(pulled.value)
          }
          const next = Exit.succeed(Chunk.of(pending.shift()!))
          yield* Queue.offer(items, next)
          const after = yield* ready
          if (after === undefined) return true
          // The sink finished with this element: it took it (true now, false from the next step).
          if (Exit.isSuccess(after)) {
            finished = after
            return true
          }
          return yield* end(after)
        })
      })
      // The source's requirements, captured here so that `step` needs none.
      const context = yield* Effect.context<R>()
      return {
        step: Effect.provide(step, context),
        result: Effect.sync(() => (finished !== undefined && Exit.isSuccess(finished) ? Option.some(finished.value) : Option.none()))
      }
    }),
  /** `pump.step(p)`: the pump's `step`. */
  step: <A, E>(pump: Pump<A, E>): Effect.Effect<boolean, E> => pump.step
}

/**
 * LuaSocket's `socket.source` (see `SocketSource`) with ltn12's `source.*` constructors.
 *
 * @since 0.1.0
 */
export const source: SocketSource & typeof ltn12Source = Object.assign(socketSource, ltn12Source)

/**
 * LuaSocket's `socket.sink` (see `SocketSink`) with ltn12's `sink.*` constructors.
 *
 * @since 0.1.0
 */
export const sink: SocketSink & typeof ltn12Sink = Object.assign(socketSink, ltn12Sink)

/**
 * ltn12's `filter.chain` and `filter.cycle`.
 *
 * @since 0.1.0
 */
export const filter = ltn12Filter

/**
 * ltn12's `pump.all` and `pump.step` (with `pump.open`, which a step-by-step pump needs in Effect).
 *
 * @since 0.1.0
 */
export const pump = ltn12Pump

/**
 * The elements of a byte stream's result joined into one array (ltn12's `table.concat`
 * of a `sink.table`): `chunks` is any iterable of Uint8Arrays (an array, a `Chunk`).
 *
 * A pure helper without an error channel: `chunks` that is not an iterable object (a typed
 * array is refused too: it is one array of bytes, not a list of them), or an element that is
 * not a Uint8Array, is a programmer error and **throws** an `InvalidArgument` naming it (as
 * `Timeout.make` does).
 *
 * @since 0.1.0
 */
export const concat = (chunks: Iterable<Uint8Array>): Uint8Array => {
  if (!isIterableObject(chunks)) {
    throw new NetError.InvalidArgument({ operation: "Streams.concat", detail: `bad chunks ${describe(chunks)}: expected an iterable of Uint8Arrays` })
  }
  const parts: Array<unknown> = Array.from(chunks)
  for (let k = 0; k < parts.length; k++) {
    if (!(parts[k] instanceof Uint8Array)) {
      throw new NetError.InvalidArgument({ operation: "Streams.concat", detail: `bad chunks: element ${k} is ${describe(parts[k])}: expected a Uint8Array` })
    }
  }
  const bytes = parts as Array<Uint8Array>
  if (bytes.length === 1) return bytes[0]!
  return bytes.length === 0 ? EMPTY : Buffer.concat(bytes)
}

/** An object (not a typed array) with an iterator; false for what cannot even be asked. */
const isIterableObject = (u: unknown): u is Iterable<unknown> => {
  if (typeof u !== "object" || u === null || ArrayBuffer.isView(u)) return false
  try {
    return typeof (u as { readonly [Symbol.iterator]?: unknown })[Symbol.iterator] === "function"
  } catch {
    return false // a getter that throws, a revoked proxy
  }
}
