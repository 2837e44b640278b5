/**
 * Benchmark server on the Effect core ("efx").
 * usage: node dist/bench/server.js <w1|w2|w3|w4|w5> <host> <n>
 * Prints "PORT <port>" once listening, serves one run, prints one JSON line.
 *
 * Each workload is one Effect, run with one `Effect.runPromise`; the loops are
 * flatMap recursions (no fiber per iteration), written the way a LuaSocket
 * program is: accept, receive by pattern, send, close.
 */
import * as Effect from "effect/Effect"
import { ReadBuffer, Tcp, Udp } from "../src/index.js"
import type { NetError } from "../src/core/NetError.js"
import { announcePort, BATCH, BYE, CHUNK, fail, finish, lineBatch, LINE_BYTES, now, OK, pong, serverArgs, type Workload } from "./common.js"

const IMPL = "efx"
const { workload, host, n } = serverArgs(IMPL)

type Result = Record<string, unknown>
type Serve = (server: Tcp.TcpSocket) => Effect.Effect<Result, NetError, never>


/** Runs `body` on one accepted connection, closed when it ends (`acceptWith`: no Scope per connection). */
const withConnection = <A>(server: Tcp.TcpSocket, body: (conn: Tcp.TcpSocket) => Effect.Effect<A, NetError>) =>
  server.acceptWith(body)

const servers: Record<Exclude<Workload, "w4">, Serve> = {
  // W1: receive(65536) until Closed, counting the partial of the last one; then ack.
  // By default into one reused 64 KiB buffer (receiveInto: no allocation per chunk);
  // EFX_W1=exactly uses receive(exactly(65536)), a fresh result per chunk.
  w1: (server) =>
    withConnection(server, (conn) => {
      let bytes = 0
      const chunk = ReadBuffer.exactly(CHUNK)
      const target = new Uint8Array(CHUNK)
      const loop: Effect.Effect<void, NetError> = process.env.EFX_W1 === "exactly"
        ? Effect.flatMap(conn.receive(chunk), (data) => {
          bytes += data.length
          return loop
        })
        : Effect.flatMap(conn.receiveInto(target), (n) => {
          bytes += n
          return loop
        })
      return loop.pipe(
        Effect.catchTag("Closed", (e) => Effect.sync(() => void (bytes += e.partial?.length ?? 0))),
        Effect.zipRight(conn.send(OK)),
        Effect.map(() => ({ bytes }))
      )
    }),

  // W2: answer every "ping..." line with "pong..." until the client closes.
  w2: (server) =>
    withConnection(server, (conn) => {
      let requests = 0
      const loop: Effect.Effect<void, NetError> = Effect.flatMap(conn.receive(ReadBuffer.line), (line) => {
        requests++
        return Effect.flatMap(conn.send(pong(line)), () => loop)
      })
      return conn.setOption("tcp-nodelay", true).pipe(
        Effect.zipRight(Effect.catchTag(loop, "Closed", () => Effect.void)),
        Effect.map(() => ({ requests }))
      )
    }),

  // W3: n lines of 40 bytes, BATCH lines per send, then close (queued bytes are still delivered).
  w3: (server) =>
    withConnection(server, (conn) => {
      const batch = lineBatch()
      const rest = n % BATCH
      const sendBatches = (left: number): Effect.Effect<void, NetError> =>
        left === 0 ? Effect.void : Effect.flatMap(conn.send(batch), () => sendBatches(left - 1))
      return sendBatches(Math.floor(n / BATCH)).pipe(
        Effect.zipRight(rest > 0 ? conn.send(batch, 1, rest * LINE_BYTES) : Effect.void),
        Effect.as({ lines: n })
      )
    }),

  // W5: n sequential connections: receive a line, reply, close. The per-connection
  // program is a function of the connection built without pipe/dual calls per connection.
  w5: (server) => {
    let served = 0
    const body = (conn: Tcp.TcpSocket): Effect.Effect<unknown, NetError> =>
      Effect.catchTag(
        Effect.flatMap(conn.setOption("tcp-nodelay", true), () => Effect.flatMap(conn.receive(ReadBuffer.line), () => conn.send(BYE))),
        "Closed",
        () => Effect.void
      )
    const one = withConnection(server, body)
    const loop = (left: number): Effect.Effect<void, NetError> =>
      left === 0 ? Effect.void : Effect.flatMap(one, () => {
        served++
        return loop(left - 1)
      })
    return Effect.map(loop(n), () => ({ connections: served }))
  }
}

const base = { impl: IMPL, workload, side: "server" }

// W4: count datagrams until "END" or 2 s of silence. The queue is made large enough for the
// burst (the default bound, 1,024 datagrams, would count most of a 200,000 burst as dropped).
const w4 = Effect.scoped(Effect.gen(function*() {
  const sock = yield* Udp.bind(host, 0, { maxQueued: 1 << 18, maxQueuedBytes: 256 << 20 })
  yield* Effect.ignore(sock.setOption("recv-buffer-size", 8 << 20))
  announcePort((yield* sock.getSockName()).port)
  let received = 0
  let bytes = 0
  let tFirst = 0
  let tLast = 0
  const isEnd = (d: Uint8Array) => d.length === 3 && d[0] === 69 && d[1] === 78 && d[2] === 68
  // LuaSocket's `while true do local d = u:receive() ... end` as `Effect.whileLoop` over one
  // `receive` Effect (built once, run per datagram).
  let ended = false
  const receive = sock.receive(8192)
  const loop: Effect.Effect<void, NetError> = Effect.whileLoop({
    while: () => !ended,
    body: () => receive,
    step: (d: Uint8Array) => {
      if (isEnd(d)) {
        ended = true
        return
      }
      const t = now()
      if (received === 0) tFirst = t
      tLast = t
      received++
      bytes += d.length
    }
  })
  // One watchdog for the whole run (2 s without a datagram ends it, e.g. when every END was
  // lost) rather than a finite timeout on each receive: that costs a fiber race per wait.
  let seen = -1
  const watchdog: Effect.Effect<void> = Effect.flatMap(Effect.sleep("2 seconds"), () => {
    if (received === seen) return Effect.void
    seen = received
    return watchdog
  })
  yield* Effect.raceFirst(loop, watchdog)
  const dt = tLast - tFirst
  return { received, bytes, recv_s: dt > 0 ? received / dt : 0, dropped: sock.getStats().dropped }
}))

if (workload === "w4") {
  Effect.runPromise(w4).then(
    (result) => finish({ ...result, ...base }),
    (error: unknown) => fail(base, error)
  )
} else {
  const serve = servers[workload]
  const program = Effect.scoped(
    Effect.gen(function*() {
      const server = yield* Tcp.listen(host, 0)
      const { port } = yield* server.getSockName()
      announcePort(port)
      return yield* serve(server)
    })
  )
  Effect.runPromise(program).then(
    (result) => finish({ ...result, ...base }),
    (error: unknown) => fail(base, error)
  )
}
