/**
 * Sockets as Streams and Sinks, LuaSocket's socket sources and sinks, and the ltn12 layer,
 * over real loopback sockets (no mocks of `net`). Framing is checked against pure models
 * of LuaSocket's rules (spec/reference-semantics.md section 1, "receive" and "ltn12 and
 * socket sources/sinks") by property tests over arbitrary bytes in arbitrary chunkings.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Chunk, Duration, Effect, Either, Exit, FastCheck as fc, Fiber, Option, Sink, Stream } from "effect"
import * as NetError from "../../src/core/NetError.js"
import * as RB from "../../src/core/ReadBuffer.js"
import * as Streams from "../../src/core/Streams.js"
import * as Tcp from "../../src/core/Tcp.js"
import { fdCount, waitUntil } from "../support.js"

// ---- helpers ---------------------------------------------------------------------------

const bytes = (s: string): Uint8Array => Buffer.from(s, "latin1")
const text = (u: Uint8Array | undefined): string => Buffer.from(u ?? new Uint8Array(0)).toString("latin1")
const texts = (c: Iterable<Uint8Array>): Array<string> => Array.from(c, text)
const join = (parts: Iterable<Uint8Array>): Uint8Array => Buffer.concat(Array.from(parts))

/** A connected client and its accepted peer on 127.0.0.1, closed with the scope. */
const pair = (options: Tcp.ServerOptions & Tcp.ClientOptions = {}) =>
  Effect.gen(function*() {
    const server = yield* Tcp.listen("127.0.0.1", 0, options)
    const port = Either.getOrThrow(server.getSockName()).port
    const client = yield* Tcp.connect("127.0.0.1", port, options)
    const conn = yield* server.accept()
    return { server, client, conn }
  })

/** One turn of the event loop, so that I/O callbacks run in between. */
const tick: Effect.Effect<void> = Effect.async<void>((resume) => {
  setImmediate(() => resume(Effect.void))
})

/** Sends each piece (pausing a turn after some, so the receiver sees varied chunkings), then half-closes. */
const sendPieces = (s: Tcp.TcpSocket, pieces: ReadonlyArray<{ readonly data: Uint8Array; readonly pause: boolean }>) =>
  Effect.zipRight(
    Effect.forEach(pieces, (p) => Effect.zipRight(s.send(p.data), p.pause ? tick : Effect.void), { discard: true }),
    s.shutdown("send")
  )

/** The error of a stream run that must fail. */
const failureOf = <A, E>(self: Effect.Effect<A, E>): Effect.Effect<E> =>
  Effect.flatMap(Effect.either(self), (r) => (Either.isLeft(r) ? Effect.succeed(r.left) : Effect.dieMessage(`expected a failure, got ${String(r.right)}`)))

// ---- pure models -------------------------------------------------------------------------

/** LuaSocket's `*l` over the whole input: LF ends a line, every CR dropped; an unterminated non-empty rest is the last line. */
const modelLines = (input: Uint8Array): Array<string> => {
  const out: Array<string> = []
  let current: Array<number> = []
  for (const b of input) {
    if (b === 10) {
      out.push(Buffer.from(current).toString("latin1"))
      current = []
    } else if (b !== 13) current.push(b)
  }
  if (current.length > 0) out.push(Buffer.from(current).toString("latin1"))
  return out
}

/** The input cut into records of `n`, and the short rest. */
const modelRecords = (input: Uint8Array, n: number): { readonly records: Array<string>; readonly rest: string } => {
  const records: Array<string> = []
  let i = 0
  for (; i + n <= input.length; i += n) records.push(text(input.subarray(i, i + n)))
  return { records, rest: text(input.subarray(i)) }
}

/** HTTP/1.1 chunked coding as LuaSocket's sink writes it, empty chunks left out. */
const modelChunked = (chunks: ReadonlyArray<Uint8Array>): string =>
  chunks.filter((c) => c.length > 0).map((c) => `${c.length.toString(16).toUpperCase()}\r\n${text(c)}\r\n`).join("") + "0\r\n\r\n"

// ---- arbitraries -----------------------------------------------------------------------

/** Bytes of all 256 values, CR and LF heavy. */
const byte = fc.oneof(
  { weight: 3, arbitrary: fc.constant(10) },
  { weight: 3, arbitrary: fc.constant(13) },
  { weight: 1, arbitrary: fc.constantFrom(0, 0x30, 0xff, 0x80) },
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 255 }) }
)
const piece = fc.record({ data: fc.array(byte, { maxLength: 96 }).map((a) => Uint8Array.from(a)), pause: fc.boolean() })
const pieces = fc.array(piece, { maxLength: 24 })
const concatPieces = (ps: ReadonlyArray<{ readonly data: Uint8Array }>): Uint8Array => join(ps.map((p) => p.data))

const props = { fastCheck: { numRuns: 60 } }

// ---- tests ---------------------------------------------------------------------------------

describe("Streams over loopback sockets", () => {
  it.live.prop("lines equals LuaSocket's *l over the concatenation, whatever the chunking", [pieces], ([ps]) =>
    Effect.scoped(Effect.gen(function*() {
      const { client, conn } = yield* pair()
      const sending = yield* Effect.fork(sendPieces(client, ps))
      const got = yield* Stream.runCollect(Streams.lines(conn))
      yield* Fiber.join(sending)
      expect(texts(got)).toEqual(modelLines(concatPieces(ps)))
    })), props)

  it.live.prop(
    "lines over a Tcp.TcpSocket (buffered lines taken in one call) equals lines over any stream socket (a receive per line), maxLength too",
    [pieces, fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined })],
    ([ps, maxLength]) =>
      Effect.scoped(Effect.gen(function*() {
        const options = maxLength === undefined ? {} : { maxLength }
        const run = (generic: boolean) =>
          Effect.gen(function*() {
            const { client, conn } = yield* pair()
            const sending = yield* Effect.fork(sendPieces(client, ps))
            // the same socket seen through its StreamSocket methods only (no receiveLinesPoll)
            const socket: Streams.StreamSocket = generic
              ? {
                receive: (p, prefix, policy) => conn.receive(p, prefix, policy),
                receivePoll: (p, prefix) => conn.receivePoll(p, prefix),
                send: (d, i, j, policy) => conn.send(d, i, j, policy),
                close: conn.close,
                closeNow: () => conn.closeNow()
              }
              : conn
            const exit = yield* Effect.exit(Stream.runCollect(Streams.lines(socket, options)))
            yield* Fiber.join(sending)
            return Exit.match(exit, {
              onSuccess: (lines) => ({ lines: texts(lines) }),
              onFailure: (cause) => {
                const e = firstFailure(Exit.failCause(cause))
                return { fail: e._tag, partial: text(e.partial ?? new Uint8Array(0)) }
              }
            })
          })
        const batched = yield* run(false)
        expect(batched).toEqual(yield* run(true))
        if (maxLength === undefined) expect(batched).toEqual({ lines: modelLines(concatPieces(ps)) })
      })),
    props
  )

  it.live.prop("records(n) equals the concatenation cut into n-byte records; a short rest fails with it as partial", [pieces, fc.integer({ min: 1, max: 9 })], ([ps, n]) =>
    Effect.scoped(Effect.gen(function*() {
      const { client, conn } = yield* pair()
      const sending = yield* Effect.fork(sendPieces(client, ps))
      const got: Array<Uint8Array> = []
      const exit = yield* Effect.exit(Stream.runForEach(Streams.records(conn, n), (r) => Effect.sync(() => got.push(r))))
      yield* Fiber.join(sending)
      const model = modelRecords(concatPieces(ps), n)
      expect(texts(got)).toEqual(model.records)
      if (model.rest === "") expect(Exit.isSuccess(exit)).toBe(true)
      else {
        const e = firstFailure(exit)
        expect(e._tag).toBe("Closed")
        expect(text(e.partial)).toBe(model.rest)
      }
    })), props)

  it.live.prop("fromSocket's concatenation is what was sent; no element exceeds chunkSize", [pieces, fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined })], ([ps, chunkSize]) =>
    Effect.scoped(Effect.gen(function*() {
      const { client, conn } = yield* pair()
      const sending = yield* Effect.fork(sendPieces(client, ps))
      const got = yield* Stream.runCollect(Streams.fromSocket(conn, chunkSize === undefined ? {} : { chunkSize }))
      yield* Fiber.join(sending)
      expect(text(join(got))).toBe(text(concatPieces(ps)))
      for (const c of got) {
        expect(c.length).toBeGreaterThan(0)
        if (chunkSize !== undefined) expect(c.length).toBeLessThanOrEqual(chunkSize)
      }
    })), props)

  it.live.prop("by-length gives exactly n bytes and leaves the rest; too few bytes fail with Closed, the short block in partial", [pieces, fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 1, max: 700 })], ([ps, n, blockSize]) =>
    Effect.scoped(Effect.gen(function*() {
      const { client, conn } = yield* pair()
      const sending = yield* Effect.fork(sendPieces(client, ps))
      const sent = concatPieces(ps)
      const got: Array<Uint8Array> = []
      const exit = yield* Effect.exit(Stream.runForEach(Streams.source("by-length", conn, n, { blockSize }), (b) => Effect.sync(() => got.push(b))))
      yield* Fiber.join(sending)
      for (const b of got) expect(b.length).toBeLessThanOrEqual(blockSize)
      if (n <= sent.length) {
        expect(Exit.isSuccess(exit)).toBe(true)
        expect(text(join(got))).toBe(text(sent.subarray(0, n)))
        const rest = yield* Effect.either(conn.receive(RB.all))
        expect(Either.isRight(rest) ? text(rest.right) : "").toBe(text(sent.subarray(n)))
      } else {
        const e = firstFailure(exit)
        expect(e._tag).toBe("Closed")
        expect(text(join(got)) + text(e.partial)).toBe(text(sent))
      }
    })), props)

  it.live.prop("http-chunked: the sink's bytes equal the model, and the source decodes them back to the non-empty chunks", [fc.array(fc.array(byte, { maxLength: 300 }).map((a) => Uint8Array.from(a)), { maxLength: 12 }), fc.integer({ min: 1, max: 5 })], ([chunks, rechunk]) =>
    Effect.scoped(Effect.gen(function*() {
      // encoder: bytes on the wire
      {
        const { client, conn } = yield* pair()
        yield* Stream.run(Stream.rechunk(Stream.fromIterable(chunks), rechunk), Streams.sink("http-chunked", client))
        yield* client.shutdown("send")
        const wire = yield* Stream.runCollect(Streams.fromSocket(conn))
        expect(text(join(wire))).toBe(modelChunked(chunks))
      }
      // encode then decode: the identity on the non-empty chunks; nothing after the body is read
      {
        const { client, conn } = yield* pair()
        const sending = yield* Effect.fork(Effect.zipRight(
          Stream.run(Stream.rechunk(Stream.fromIterable(chunks), rechunk), Streams.sink("http-chunked", client)),
          client.send(bytes("NEXT\n"))
        ))
        const decoded = yield* Stream.runCollect(Streams.source("http-chunked", conn))
        yield* Fiber.join(sending)
        expect(texts(decoded)).toEqual(chunks.filter((c) => c.length > 0).map(text))
        expect(text(yield* conn.receive(RB.line))).toBe("NEXT")
      }
    })), { fastCheck: { numRuns: 30 } })

  it.scopedLive("http-chunked source: extensions and trailers skipped, LuaSocket's line rules, malformed input and truncation are typed errors", () =>
    Effect.gen(function*() {
      const decode = (wire: string, close = true) =>
        Effect.scoped(Effect.gen(function*() {
          const { client, conn } = yield* pair()
          yield* client.send(bytes(wire))
          if (close) yield* client.shutdown("send")
          return yield* Effect.either(Stream.runCollect(Streams.source("http-chunked", conn)))
        }))
      const ok = yield* decode("4;name=value\r\nWiki\r\n5 \r\npedia\r\n9\r\n in\r\n\r\nch\r\n0\r\nExpires: never\r\nX: y\r\n\r\n")
      expect(texts(Either.getOrThrow(ok))).toEqual(["Wiki", "pedia", " in\r\n\r\nch"])
      // *l drops every CR, as LuaSocket's receive() does
      expect(texts(Either.getOrThrow(yield* decode("3\r\r\nabc\r\n0\r\n\r\n")))).toEqual(["abc"])

      const bad = Either.flip(yield* decode("zz\r\nabc\r\n0\r\n\r\n")).pipe(Either.getOrThrow)
      expect(bad._tag).toBe("InvalidArgument")
      expect(NetError.luaMessage(bad)).toBe("invalid chunk size") // LuaSocket's string
      expect(text(bad.partial)).toBe("zz")
      const negative = Either.flip(yield* decode("-5\r\n")).pipe(Either.getOrThrow)
      expect(NetError.luaMessage(negative)).toBe("invalid chunk size")
      const terminator = Either.flip(yield* decode("3\r\nabcX\r\n0\r\n\r\n")).pipe(Either.getOrThrow)
      expect(terminator._tag).toBe("InvalidArgument")
      expect(terminator.message).toContain("CRLF after the chunk data")
      const truncated = Either.flip(yield* decode("5\r\nab")).pipe(Either.getOrThrow)
      expect(truncated._tag).toBe("Closed")
      expect(text(truncated.partial)).toBe("ab")
      const noLast = Either.flip(yield* decode("2\r\nab\r\n")).pipe(Either.getOrThrow)
      expect(noLast._tag).toBe("Closed")
      // maxChunkSize refuses before reading the data
      const big = yield* Effect.scoped(Effect.gen(function*() {
        const { client, conn } = yield* pair()
        yield* client.send(bytes("100000\r\n"))
        return yield* failureOf(Stream.runCollect(Streams.source("http-chunked", conn, { maxChunkSize: 1024 })))
      }))
      expect(big._tag).toBe("InvalidArgument")
      expect(big.message).toContain("maxChunkSize")
    }))

  it.scopedLive("http-chunked sink: empty chunks are not written; a failing stream does not write the last chunk", () =>
    Effect.gen(function*() {
      const { client, conn } = yield* pair()
      const failing = Stream.concat(Stream.make(bytes("ab"), new Uint8Array(0), bytes("c")), Stream.fail("boom" as const))
      const e = yield* failureOf(Stream.run(failing, Streams.sink("http-chunked", client)))
      expect(e).toBe("boom")
      yield* client.shutdown("send")
      expect(text(join(yield* Stream.runCollect(Streams.fromSocket(conn))))).toBe("2\r\nab\r\n1\r\nc\r\n")
    }))

  it.scopedLive("lines: a final unterminated line is emitted (CRs dropped), an empty one is not; maxLength fails with LineTooLong", () =>
    Effect.gen(function*() {
      const run = (wire: string, options: Streams.LinesOptions = {}) =>
        Effect.scoped(Effect.gen(function*() {
          const { client, conn } = yield* pair()
          yield* client.send(bytes(wire))
          yield* client.shutdown("send")
          return yield* Effect.either(Stream.runCollect(Streams.lines(conn, options)))
        }))
      expect(texts(Either.getOrThrow(yield* run("a\r\nb\rc\nlast\r")))).toEqual(["a", "bc", "last"])
      expect(texts(Either.getOrThrow(yield* run("a\n\r")))).toEqual(["a"])
      expect(texts(Either.getOrThrow(yield* run("\n\n")))).toEqual(["", ""])
      const long = Either.flip(yield* run("ok\n0123456789\n", { maxLength: 5 })).pipe(Either.getOrThrow)
      expect(long._tag).toBe("LineTooLong")
      const invalid = yield* failureOf(Stream.runCollect(Streams.records(null as unknown as Tcp.TcpSocket, 0)))
      expect(invalid._tag).toBe("InvalidArgument")
    }))

  it.scopedLive("one pull takes every buffered line in one chunk (no fiber per element)", () =>
    Effect.gen(function*() {
      const { client, conn } = yield* pair()
      const n = 5000
      yield* client.send(bytes("line\n".repeat(n)))
      yield* waitUntil("all lines to arrive", () => conn.getStats().received >= 5 * n)
      const chunks = yield* Stream.runCollect(Stream.take(Stream.chunks(Streams.lines(conn)), 1))
      expect(Chunk.unsafeHead(chunks).length).toBe(n)
    }))

  it.scopedLive("until-closed: blocks until the peer closes, the short block last, then the socket is closed; a reset is an end too", () =>
    Effect.gen(function*() {
      const { client, conn } = yield* pair()
      const data = Buffer.alloc(5000, 0x61)
      yield* client.send(data)
      yield* client.shutdown("send")
      const blocks = yield* Stream.runCollect(Streams.source("until-closed", conn))
      expect(Array.from(blocks, (b) => b.length)).toEqual([2048, 2048, 904])
      expect(conn.getFd()).toBe(-1)
      // a reset: until-closed ends, fromSocket fails with Closed ECONNRESET
      const a = yield* pair()
      const b = yield* pair()
      for (const p of [a, b]) {
        yield* p.client.setOption("linger", { on: true, timeout: 0 })
        yield* p.client.close
      }
      expect(Chunk.size(yield* Stream.runCollect(Streams.source("until-closed", a.conn)))).toBe(0)
      const reset = yield* failureOf(Stream.runCollect(Streams.fromSocket(b.conn)))
      expect(reset._tag).toBe("Closed")
      expect(reset.code).toBe("ECONNRESET")
    }))

  it.scopedLive("toSocket / keep-open / close-when-done: everything arrives; close-when-done closes however the run ends", () =>
    Effect.gen(function*() {
      const chunks = Array.from({ length: 200 }, (_, i) => bytes(`${i},`.repeat(i)))
      const expected = text(join(chunks))
      {
        const { client, conn } = yield* pair()
        yield* Stream.run(Stream.fromIterable(chunks), Streams.toSocket(client))
        expect(client.getFd()).not.toBe(-1) // keep-open
        yield* Stream.run(Stream.make(bytes("!")), Streams.sink("keep-open", client))
        yield* client.shutdown("send")
        expect(text(join(yield* Stream.runCollect(Streams.fromSocket(conn))))).toBe(expected + "!")
      }
      {
        const { client, conn } = yield* pair()
        yield* Stream.run(Stream.fromIterable(chunks), Streams.sink("close-when-done", client))
        expect(client.getFd()).toBe(-1)
        expect(text(join(yield* Stream.runCollect(Streams.fromSocket(conn))))).toBe(expected)
      }
      {
        const { client } = yield* pair()
        const e = yield* failureOf(Stream.run(Stream.fail("upstream"), Streams.toSocket(client, { closeWhenDone: true })))
        expect(e).toBe("upstream")
        expect(client.getFd()).toBe(-1)
      }
      {
        // a send on a closed socket fails the sink with the typed error
        const { client } = yield* pair()
        yield* client.close
        const e = yield* failureOf(Stream.run(Stream.make(bytes("x")), Streams.toSocket(client)))
        expect(e._tag).toBe("Closed")
      }
    }))

  it.live("backpressure: a slow consumer of a fast sender keeps the receiver's buffered bytes bounded", () =>
    Effect.scoped(Effect.gen(function*() {
      const { client, conn } = yield* pair()
      const block = Buffer.alloc(1024 * 1024, 0x62)
      const offered = 64 // MiB the sender tries to send
      const sending = yield* Effect.fork(Stream.run(Stream.make(...Array.from({ length: offered }, () => block)), Streams.toSocket(client)))
      let consumed = 0
      let maxBuffered = 0
      const target = 6 * 1024 * 1024
      yield* Streams.fromSocket(conn, { chunkSize: 16 * 1024 }).pipe(
        Stream.tap((c) =>
          Effect.zipRight(Effect.sleep(Duration.millis(1)), Effect.sync(() => {
            consumed += c.length
            maxBuffered = Math.max(maxBuffered, conn.getStats().received - consumed)
          }))),
        Stream.takeWhile(() => consumed < target),
        Stream.runDrain
      )
      const sent = client.getStats().sent
      yield* Fiber.interrupt(sending)
      expect(consumed).toBeGreaterThanOrEqual(target)
      expect(maxBuffered).toBeLessThan(4 * 1024 * 1024)
      // the sink waited too: far less than what was offered has been handed to Node
      expect(sent).toBeLessThan(offered * 1024 * 1024 / 2)
    })), 20_000)

  it.live("interrupting streams leaves no descriptor and loses no data", () =>
    Effect.gen(function*() {
      const before = fdCount()
      for (let i = 0; i < 50; i++) {
        yield* Effect.scoped(Effect.gen(function*() {
          const { client, conn } = yield* pair()
          yield* client.send(bytes("one\ntw"))
          const fiber = yield* Effect.fork(Stream.runCollect(i % 2 === 0 ? Streams.lines(conn) : Streams.source("http-chunked", conn)))
          yield* waitUntil("data to arrive", () => conn.getStats().received >= 6)
          yield* tick
          yield* Fiber.interrupt(fiber)
          if (i % 2 === 0) {
            // "one" was emitted in the interrupted run; the waiting receive put "tw" back
            yield* client.send(bytes("o\n"))
            expect(text(yield* conn.receive(RB.line))).toBe("two")
          }
        }))
      }
      yield* waitUntil("descriptors to be released", () => fdCount() <= before)
      expect(fdCount()).toBeLessThanOrEqual(before)
    }))
})

describe("Streams: arguments checked when a stream or sink is made", () => {
  const notSockets: ReadonlyArray<readonly [unknown, string]> = [
    [{}, "an object"],
    [null, "null"],
    [undefined, "undefined"],
    [5n, "5n"],
    [Symbol("s"), "Symbol(s)"],
    [Object.create(null), "an object"],
    ["sock", "\"sock\""],
    [{ receive: () => 1, receivePoll: () => 1, send: () => 1, closeNow: () => 1 }, "an object"] // no close effect
  ]
  /** Every stream and sink over `socket` with `options`, each with its operation. */
  const all = (socket: unknown, options?: unknown) => {
    const s = socket as Streams.StreamSocket
    const o = options as never
    return [
      ["fromSocket", Stream.runDrain(Streams.fromSocket(s, o))],
      ["lines", Stream.runDrain(Streams.lines(s, o))],
      ["records", Stream.runDrain(Streams.records(s, 4, o))],
      ["source", Stream.runDrain(Streams.source("by-length", s, 3, o))],
      ["source", Stream.runDrain(Streams.source("until-closed", s, o))],
      ["source", Stream.runDrain(Streams.source("http-chunked", s, o))],
      ["toSocket", Stream.run(Stream.make(bytes("x")), Streams.toSocket(s, o))],
      ["sink", Stream.run(Stream.make(bytes("x")), Streams.sink("keep-open", s, o))],
      ["sink", Stream.run(Stream.make(bytes("x")), Streams.sink("close-when-done", s, o))],
      ["sink", Stream.run(Stream.make(bytes("x")), Streams.sink("http-chunked", s, o))]
    ] as const
  }

  it.effect("a socket that is not one fails with InvalidArgument naming it, before anything runs (never a defect)", () =>
    Effect.gen(function*() {
      for (const [socket, name] of notSockets) {
        for (const [operation, run] of all(socket)) {
          const e = yield* failureOf(run)
          expect(e._tag).toBe("InvalidArgument")
          expect(e.message).toContain(`${operation}: invalid argument: bad socket ${name}: expected a stream socket`)
        }
      }
    }))

  it.scopedLive("options that are not an object fail with InvalidArgument naming them; sizes that are not integers are named too", () =>
    Effect.gen(function*() {
      const { client } = yield* pair()
      for (const [options, name] of [[null, "null"], [5, "5"], ["x", "\"x\""], [[1], "an array"], [5n, "5n"]] as const) {
        for (const [, run] of all(client, options)) {
          const e = yield* failureOf(run)
          expect(e._tag).toBe("InvalidArgument")
          expect(e.message).toContain(`bad options ${name}: expected an object`)
        }
      }
      const message = <A, E extends NetError.NetError>(run: Effect.Effect<A, E>) => Effect.map(failureOf(run), (e) => e.message)
      expect(yield* message(Stream.runDrain(Streams.records(client, 5n as never)))).toBe("records: invalid argument: size must be an integer >= 1, got 5n")
      expect(yield* message(Stream.runDrain(Streams.fromSocket(client, { chunkSize: Symbol("c") as never })))).toContain("chunkSize must be an integer >= 1, got Symbol(c)")
      expect(yield* message(Stream.runDrain(Streams.lines(client, { maxLength: Object.create(null) })))).toContain("maxLength must be an integer >= 0, got an object")
      expect(yield* message(Stream.runDrain(Streams.source("by-length", client, Symbol("n") as never)))).toContain("length must be an integer >= 0, got Symbol(n)")
      expect(yield* message(Stream.runDrain(Streams.source(Symbol("m") as never, client)))).toContain("unknown source mode Symbol(m)")
      expect(yield* message(Stream.run(Stream.empty, Streams.sink(5n as never, client)))).toContain("unknown sink mode 5n")
    }))

  it.effect("source.string never fails: a blockSize that is 0, NaN or not a number is BLOCKSIZE", () =>
    Effect.gen(function*() {
      const sizes = (blockSize: unknown) => Effect.map(Stream.runCollect(Streams.source.string("x".repeat(3000), blockSize as never)), (c) => Array.from(c, (b) => b.length))
      for (const b of [5n, Symbol("b"), "2", null, {}, 0, NaN]) expect(yield* sizes(b)).toEqual([2048, 952])
      expect(yield* sizes(1000)).toEqual([1000, 1000, 1000])
      expect(yield* sizes(1000.7)).toEqual([1000, 1000, 1000])
    }))
})

describe("ltn12 vocabulary", () => {
  it.effect("source.string, source.cat, source.empty, sink.table, sink.null, filter.chain / cycle, sink.chain, pump.all", () =>
    Effect.gen(function*() {
      const big = "x".repeat(5000)
      const blocks = yield* Streams.pump.all(Streams.source.string(big), Streams.sink.table())
      expect(Array.from(blocks, (b) => b.length)).toEqual([2048, 2048, 904])
      expect(Chunk.size(yield* Streams.pump.all(Streams.source.string(""), Streams.sink.table()))).toBe(0)
      const cat = Streams.source.cat(Streams.source.string("ab"), Streams.source.empty(), Streams.source.string("cd"))
      expect(text(Streams.concat(yield* Streams.pump.all(cat, Streams.sink.table())))).toBe("abcd")
      yield* Streams.pump.all(cat, Streams.sink.null())
      const e = yield* failureOf(Streams.pump.all(Streams.source.cat(Streams.source.string("a"), Streams.source.error("E")), Streams.sink.table()))
      expect(e).toBe("E")

      const upper: Streams.Filter = (s) => Stream.map(s, (c) => bytes(text(c).toUpperCase()))
      const bracket: Streams.Filter = (s) => Stream.map(s, (c) => bytes(`[${text(c)}]`))
      const chained = Streams.filter.chain(upper, bracket)
      expect(texts(yield* Stream.runCollect(Streams.source.chain(Streams.source.string("ab"), chained)))).toEqual(["[AB]"])
      // cycle: a stateful filter (running count of bytes), called once more at the end
      const counting = Streams.filter.cycle<number, string>((n, chunk, sep) =>
        chunk === undefined ? [bytes(`${sep}${n}`), n] : [chunk, n + chunk.length], 0, "#")
      const counted = yield* Stream.runCollect(counting(Streams.source.string("hello", 2)))
      expect(texts(counted)).toEqual(["he", "ll", "o", "#5"])
      // the state starts afresh at each run
      expect(texts(yield* Stream.runCollect(counting(Streams.source.string("hi"))))).toEqual(["hi", "#2"])
      // sink.chain: the filter in front of a sink
      const sunk = yield* Streams.pump.all(Streams.source.string("abc", 1), Streams.sink.chain(chained, Streams.sink.table()))
      expect(texts(sunk)).toEqual(["[A]", "[B]", "[C]"])
    }))

  it.scopedLive("pump.open / pump.step: one chunk per step into a socket sink, false at the end, errors fail the step", () =>
    Effect.gen(function*() {
      const { client, conn } = yield* pair()
      const p = yield* Streams.pump.open(Streams.source.string("abcdefg", 3), Streams.sink("http-chunked", client))
      const steps: Array<boolean> = []
      for (;;) {
        const more = yield* Streams.pump.step(p)
        steps.push(more)
        if (!more) break
      }
      expect(steps).toEqual([true, true, true, false])
      expect(yield* Streams.pump.step(p)).toBe(false)
      expect(Option.isSome(yield* p.result)).toBe(true)
      yield* client.shutdown("send")
      expect(text(join(yield* Stream.runCollect(Streams.fromSocket(conn))))).toBe("3\r\nabc\r\n3\r\ndef\r\n1\r\ng\r\n0\r\n\r\n")

      // a step hands the sink one chunk and returns once it took it: sink.table sees them in order
      const q = yield* Streams.pump.open(Streams.source.cat(Streams.source.string("xy", 1), Streams.source.error("bad")), Streams.sink.table())
      expect(yield* q.step).toBe(true)
      expect(yield* q.step).toBe(true)
      expect(yield* failureOf(q.step)).toBe("bad")
      // a sink that finishes early ends the pump
      const r = yield* Streams.pump.open(Streams.source.string("abcdef", 1), Sink.head<Uint8Array>())
      expect(yield* r.step).toBe(true)
      expect(yield* r.step).toBe(false)
    }))
})

// ---- small cause helpers ---------------------------------------------------------------

const failuresOf = <E>(cause: Cause.Cause<E>): Array<E> => Array.from(Cause.failures(cause))
const firstFailure = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const f = failuresOf(exit.cause)
  if (f.length === 0) throw new Error(`expected a typed failure, got ${Cause.pretty(exit.cause)}`)
  return f[0]!
}
