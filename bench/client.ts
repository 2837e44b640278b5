/**
 * Benchmark client on the Effect core ("efx").
 * usage: node dist/bench/client.js <w1|w2|w3|w4|w5> <host> <port> <n>
 * Prints one JSON line with the results (keys as the shared reference clients).
 *
 * Each workload is one Effect, run with one `Effect.runPromise`; the loops are
 * flatMap recursions (no fiber per iteration).
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { ReadBuffer, Streams, Tcp, Udp } from "../src/index.js"
import * as NetError from "../src/core/NetError.js"
import { CHUNK, clientArgs, DGRAM, fail, finish, now, percentileUs, PING, type Workload } from "./common.js"

const IMPL = "efx"
const { workload, host, port, n } = clientArgs(IMPL)

type Result = Record<string, unknown>

const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("latin1")

const protocolError = (detail: string) => new NetError.Unknown({ operation: "bench", detail })

const HELLO = Buffer.from("hello\n", "latin1")

const clients: Record<Exclude<Workload, "w4">, Effect.Effect<Result, NetError.NetError>> = {
  // W1: n bytes in 64 KiB sends, half-close, wait for the ack line.
  w1: Effect.scoped(Effect.gen(function*() {
    const c = yield* Tcp.connect(host, port)
    const chunk = Buffer.alloc(CHUNK, "x")
    let left = Math.floor(n / CHUNK)
    const rest = n % CHUNK
    const t0 = now()
    const sendAll: Effect.Effect<void, NetError.NetError> = Effect.suspend(() =>
      left-- > 0 ? Effect.flatMap(c.send(chunk), () => sendAll) : Effect.void
    )
    yield* sendAll
    if (rest > 0) yield* c.send(chunk, 1, rest)
    yield* c.shutdown("send")
    const ack = yield* c.receive(ReadBuffer.line)
    const dt = now() - t0
    if (latin1(ack) !== "ok") return yield* Effect.fail(protocolError(`bad ack ${JSON.stringify(latin1(ack))}`))
    return { bytes: n, seconds: dt, mib_s: n / 1048576 / dt }
  })),

  // W2: n sequential request/response lines, each round trip timed.
  w2: Effect.scoped(Effect.gen(function*() {
    const c = yield* Tcp.connect(host, port)
    yield* c.setOption("tcp-nodelay", true)
    const msg = Buffer.from(PING, "latin1")
    const lat = new Float64Array(n)
    let i = 0
    let t = 0
    const roundTrip: Effect.Effect<void, NetError.NetError> = Effect.suspend(() => {
      t = now()
      return Effect.flatMap(c.send(msg), () =>
        Effect.flatMap(c.receive(ReadBuffer.line), (reply) => {
          lat[i++] = now() - t
          if (reply.length !== msg.length - 1) return Effect.fail(protocolError(`bad reply ${JSON.stringify(latin1(reply))}`))
          return i < n ? roundTrip : Effect.void
        })
      )
    })
    const t0 = now()
    if (n > 0) yield* roundTrip
    const dt = now() - t0
    lat.sort()
    return { round_trips: n, seconds: dt, rt_s: n / dt, p50_us: percentileUs(lat, 0.5), p99_us: percentileUs(lat, 0.99) }
  })),

  // W3: receive(line) one by one until the server closes.
  w3: Effect.scoped(Effect.gen(function*() {
    const c = yield* Tcp.connect(host, port)
    let count = 0
    let bytes = 0
    const t0 = now()
    // One receive per line. By default the lines already buffered are taken with
    // receivePoll (synchronous, no Effect per line) and only the waits go through
    // `receive`; EFX_W3=effect makes every line an Effect `receive`.
    const perLineEffect: Effect.Effect<void, NetError.NetError> = Effect.flatMap(c.receive(ReadBuffer.line), (line) => {
      count++
      bytes += line.length
      return perLineEffect
    })
    const polling: Effect.Effect<void, NetError.NetError> = Effect.suspend(() => {
      for (;;) {
        const got = c.receivePoll(ReadBuffer.line)
        if (got === undefined) break
        if (!(got instanceof Uint8Array)) return Effect.fail(got)
        count++
        bytes += got.length
      }
      return Effect.flatMap(c.receive(ReadBuffer.line), (line) => {
        count++
        bytes += line.length
        return polling
      })
    })
    // EFX_W3=stream: the line Stream (Streams.lines), folded line by line. (Stream.runForEach /
    // runForEachChunk cost 2-5x more here: their Sink keeps each pull's objects alive until a
    // full GC, see docs/performance.md "The line Stream".)
    const stream = Effect.asVoid(Stream.runFold(Streams.lines(c), 0, (_, line) => {
      count++
      bytes += line.length
      return 0
    }))
    // EFX_W3=stream-foreach: the same stream consumed with Stream.runForEachChunk.
    const streamForEach = Stream.runForEachChunk(Streams.lines(c), (lines) =>
      Effect.sync(() => {
        count += lines.length
        for (const line of lines) bytes += line.length
      }))
    const mode = process.env.EFX_W3
    const run = mode === "effect" ? perLineEffect : mode === "stream" ? stream : mode === "stream-foreach" ? streamForEach : polling
    yield* Effect.catchTag(run, "Closed", () => Effect.void)
    const dt = now() - t0
    if (count !== n) return yield* Effect.fail(protocolError(`expected ${n} lines, got ${count}`))
    return { lines: count, bytes, seconds: dt, lines_s: count / dt }
  })),

  // W5: n sequential connect -> send line -> receive line -> close.
  w5: Effect.suspend(() => {
    // withConnection: connect, use, close; no Scope per connection. The per-connection
    // program is built once (flatMap chain, no generator per connection).
    const checkReply = (reply: Uint8Array): Effect.Effect<void, NetError.NetError> =>
      reply.length === 3 && reply[0] === 98 && reply[1] === 121 && reply[2] === 101 // "bye"
        ? Effect.void
        : Effect.fail(protocolError(`bad reply ${JSON.stringify(latin1(reply))}`))
    const once = Tcp.withConnection(host, port, (c) =>
      Effect.flatMap(c.setOption("tcp-nodelay", true), () =>
        Effect.flatMap(c.send(HELLO), () => Effect.flatMap(c.receive(ReadBuffer.line), checkReply))))
    const loop = (left: number): Effect.Effect<void, NetError.NetError> =>
      left === 0 ? Effect.void : Effect.flatMap(once, () => loop(left - 1))
    const t0 = now()
    return Effect.map(loop(n), () => {
      const dt = now() - t0
      return { connections: n, seconds: dt, conn_s: n / dt }
    })
  })
}

const base = { impl: IMPL, workload, side: "client", version: `node ${process.version}` }

// W4: n datagrams of 512 bytes as fast as `send` goes, then 20 "END" markers. LuaSocket's
// `for i = 1, n do u:send(payload) end` as `Effect.whileLoop` over one `send` Effect (built
// once: running it again sends again); on a connected socket the core writes each datagram
// with one write(2) (`Udp.fastPaths.directSend`).
const w4 = Effect.scoped(Effect.gen(function*() {
  const sock = yield* Udp.connect(host, port)
  const payload = Buffer.alloc(DGRAM, "u")
  let sent = 0
  const t0 = now()
  const send = sock.send(payload)
  yield* Effect.whileLoop({ while: () => sent < n, body: () => send, step: () => void sent++ })
  const dt = now() - t0
  const end = Buffer.from("END", "latin1")
  for (let i = 0; i < 20; i++) yield* Effect.ignore(sock.send(end)) // the server may be gone already
  return { sent, seconds: dt, sent_s: sent / dt }
}))

if (workload === "w4") {
  Effect.runPromise(w4).then(
    (result) => finish({ ...result, ...base }),
    (error: unknown) => fail(base, error)
  )
} else {
  Effect.runPromise(clients[workload]).then(
    (result) => finish({ ...result, ...base }),
    (error: unknown) => fail(base, error)
  )
}
