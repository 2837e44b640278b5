/**
 * What the Promise API costs over the Effect API, on loopback, in one process:
 *
 * - `rt`: request/response round trips: the client sends a 32-byte line and waits for
 *   the server's reply line (one `send` + one `receive("line")` per round trip); the
 *   server is the Effect core in the same process, so the figure is the CPU of both
 *   sides on one event loop, and the difference between clients is client overhead.
 * - `lines`: the server sends 200,000 40-byte lines in batches of 1000; the client takes
 *   them one by one: already-buffered lines are the synchronous fast path (Effect:
 *   `receivePoll`, Promise: `receive` tries `receivePoll` first, `lines()` too).
 *
 * Clients: `effect` (one `Effect.runPromise` for the whole loop of `send` / `receive`),
 * `promise` (`await client.send(...)`, `await client.receive("line")`), `promise+timeout`
 * (the same with `{ timeout: 3600 }`: each wait runs the core's receive in a fiber), `promise-iter`
 * (`for await (const line of client.lines())`, lines only), `node` (raw `net.Socket` with
 * 'data' events, for reference). Interleaved repetitions; medians.
 *
 * usage: node dist/bench/promise-rt.js [roundTrips=20000] [reps=5]
 * (or, without building: npx vite-node bench/promise-rt.ts)
 */
import * as net from "node:net"
import { Effect, Either, FiberId, Scope } from "effect"
import * as ReadBuffer from "../src/core/ReadBuffer.js"
import * as Tcp from "../src/core/Tcp.js"
import * as P from "../src/promise/index.js"
import { BATCH, lineBatch, now, PING } from "./common.js"

const ROUND_TRIPS = Number(process.argv[2] ?? 20000)
const REPS = Number(process.argv[3] ?? 5)
const LINES = 200 * BATCH
const ping = Buffer.from(PING, "latin1")
const pong = Buffer.from("pong " + "y".repeat(26) + "\n", "latin1")
const batch = lineBatch()

/** The Effect-core server of both workloads: a first line "rt" or "lines" picks it. */
const serve = (server: Tcp.TcpSocket): Effect.Effect<never, unknown> => {
  const handle = (conn: Tcp.TcpSocket) =>
    Effect.gen(function*() {
      yield* conn.setOption("tcp-nodelay", true)
      const mode = Buffer.from(yield* conn.receive(ReadBuffer.line)).toString()
      if (mode === "lines") {
        for (let i = 0; i < LINES / BATCH; i++) yield* conn.send(batch)
        yield* conn.shutdown("send")
        yield* Effect.ignore(conn.receive(ReadBuffer.all))
        return
      }
      for (;;) {
        const r = yield* Effect.either(conn.receive(ReadBuffer.line))
        if (Either.isLeft(r)) return
        yield* conn.send(pong)
      }
    }).pipe(Effect.ensuring(conn.close))
  // accept into a scope that is never closed: the handler owns the connection and closes it
  const acceptOwned = Effect.flatMap(Scope.make(), (scope) => Scope.extend(server.accept(), scope))
  return Effect.forever(Effect.flatMap(acceptOwned, (conn) => Effect.fork(handle(conn))))
}

type Client = (port: number) => Promise<number>

const effectRt: Client = (port) =>
  Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const c = yield* Tcp.connect("127.0.0.1", port)
    yield* c.setOption("tcp-nodelay", true)
    yield* c.send(Buffer.from("rt\n"))
    const t0 = now()
    for (let i = 0; i < ROUND_TRIPS; i++) {
      yield* c.send(ping)
      yield* c.receive(ReadBuffer.line)
    }
    return now() - t0
  })))

const promiseRt: Client = async (port) => {
  const c = await P.connect("127.0.0.1", port, { noDelay: true })
  await c.send("rt\n")
  const t0 = now()
  for (let i = 0; i < ROUND_TRIPS; i++) {
    await c.send(ping)
    await c.receive("line")
  }
  const dt = now() - t0
  c.close()
  return dt
}

/** As `promiseRt`, with a time limit on each receive: every wait then runs the core's `receive` in a fiber. */
const promiseRtTimed: Client = async (port) => {
  const c = await P.connect("127.0.0.1", port, { noDelay: true })
  await c.send("rt\n")
  const t0 = now()
  for (let i = 0; i < ROUND_TRIPS; i++) {
    await c.send(ping)
    await c.receive("line", { timeout: 3600 })
  }
  const dt = now() - t0
  c.close()
  return dt
}

const nodeRt: Client = (port) =>
  new Promise((resolve, reject) => {
    const s = net.connect({ port, host: "127.0.0.1", noDelay: true })
    let n = 0
    let pending = ""
    let t0 = 0
    s.once("connect", () => {
      s.write("rt\n")
      t0 = now()
      s.write(ping)
    })
    s.on("data", (d: Buffer) => {
      pending += d.toString("latin1")
      let nl: number
      while ((nl = pending.indexOf("\n")) !== -1) {
        pending = pending.slice(nl + 1)
        if (++n === ROUND_TRIPS) {
          const dt = now() - t0
          s.destroy()
          resolve(dt)
          return
        }
        s.write(ping)
      }
    })
    s.on("error", reject)
  })

const effectLines: Client = (port) =>
  Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const c = yield* Tcp.connect("127.0.0.1", port)
    yield* c.send(Buffer.from("lines\n"))
    const t0 = now()
    let n = 0
    for (;;) {
      const r = yield* Effect.either(c.receive(ReadBuffer.line))
      if (Either.isLeft(r)) break
      n++
    }
    if (n !== LINES) throw new Error(`got ${n} lines`)
    return now() - t0
  })))

const promiseLines: Client = async (port) => {
  const c = await P.connect("127.0.0.1", port)
  await c.send("lines\n")
  const t0 = now()
  let n = 0
  for (;;) {
    try {
      await c.receive("line")
    } catch {
      break
    }
    n++
  }
  if (n !== LINES) throw new Error(`got ${n} lines`)
  const dt = now() - t0
  c.close()
  return dt
}

const promiseIterLines: Client = async (port) => {
  const c = await P.connect("127.0.0.1", port)
  await c.send("lines\n")
  const t0 = now()
  let n = 0
  for await (const _ of c.lines({ encoding: "bytes" })) n++
  if (n !== LINES) throw new Error(`got ${n} lines`)
  const dt = now() - t0
  c.close()
  return dt
}

const median = (xs: ReadonlyArray<number>): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const main = async () => {
  const server = await P.listen("127.0.0.1", 0)
  const { port } = server.getSockName()
  const serving = Effect.runFork(serve(server.socket))
  const cases: ReadonlyArray<readonly [string, string, Client, number]> = [
    ["rt", "effect", effectRt, ROUND_TRIPS],
    ["rt", "promise", promiseRt, ROUND_TRIPS],
    ["rt", "promise+timeout", promiseRtTimed, ROUND_TRIPS],
    ["rt", "node", nodeRt, ROUND_TRIPS],
    ["lines", "effect", effectLines, LINES],
    ["lines", "promise", promiseLines, LINES],
    ["lines", "promise-iter", promiseIterLines, LINES]
  ]
  const times = new Map<string, Array<number>>()
  for (const [, , client] of cases) await client(port) // warm-up
  for (let rep = 0; rep < REPS; rep++) {
    for (const [w, impl, client] of cases) {
      const key = `${w} ${impl}`
      const list = times.get(key) ?? []
      list.push(await client(port))
      times.set(key, list)
    }
  }
  console.log(`node ${process.version}, ${ROUND_TRIPS} round trips / ${LINES} lines per run, median of ${REPS}`)
  console.log("workload  client           per op (µs)   ops/s")
  for (const [w, impl, , ops] of cases) {
    const t = median(times.get(`${w} ${impl}`)!)
    console.log(`${w.padEnd(9)} ${impl.padEnd(16)} ${(t / ops * 1e6).toFixed(2).padStart(11)}   ${Math.round(ops / t).toString().padStart(9)}`)
  }
  serving.unsafeInterruptAsFork(FiberId.none)
  server.close()
  setTimeout(() => process.exit(0), 200).unref()
}

void main()
