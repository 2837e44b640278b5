/**
 * Scale run, client side: `conns` concurrent connections, each doing `rounds`
 * sequential request/response round trips (32-byte "ping" line, "pong" line) at the
 * same time as all the others (a closed loop: one request in flight per connection).
 * usage: node --expose-gc dist/bench/scale-client.js <efx|raw> <host> <port> <conns> <rounds>
 *
 * Phases: open every connection (at most CONNECT_AT_ONCE connects in flight), one
 * exchange on each, a "mem" request (the server measures its memory with every
 * connection open and idle; so does the client), then the timed phase, then close all.
 * Prints one JSON line: round trips/s in total and per connection, latency p50/p99,
 * CPU per round trip, memory per connection.
 *
 * efx: `Tcp.connect` in one Scope, `Effect.forEach` with unbounded concurrency (one
 * fiber per connection), flatMap loops of `send` / `receive(line)`. raw: `net.connect`
 * with `onread` into one shared buffer, latin1 line splitting, callbacks.
 */
import * as net from "node:net"
import * as Effect from "effect/Effect"
import { ReadBuffer, Tcp } from "../src/index.js"
import * as NetError from "../src/core/NetError.js"
import { emit, fail, memorySnapshot, now, openFilesLimit, percentileUs, PING } from "./common.js"

const [impl, host, portArg, connsArg, roundsArg] = process.argv.slice(2) as [string, string, string, string, string]
const port = Number(portArg)
const conns = Number(connsArg)
const rounds = Number(roundsArg)
const base = { impl, side: "client", mode: "scale", connections: conns, rounds }
if ((impl !== "efx" && impl !== "raw") || host === undefined || !(port > 0) || !(conns >= 1) || !(rounds >= 1)) {
  fail(base, new Error("usage: scale-client <efx|raw> <host> <port> <conns> <rounds>"))
}

/** Connects in flight at once (more only fill the listen backlog). */
const CONNECT_AT_ONCE = 128

const ping = Buffer.from(PING, "latin1")
const MEM = Buffer.from("mem\n", "latin1")

interface Phases {
  connect_s: number
  seconds: number
  cpu: NodeJS.CpuUsage
  lat: Float64Array
  memOpen: ReturnType<typeof memorySnapshot>
}

const memStart = memorySnapshot()

const efx = (): Promise<Phases> =>
  Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const t0 = now()
    const sockets = yield* Effect.forEach(
      Array.from({ length: conns }, (_, i) => i),
      () => Effect.tap(Tcp.connect(host, port), (c) => c.setOption("tcp-nodelay", true)),
      { concurrency: CONNECT_AT_ONCE }
    )
    const connect_s = now() - t0
    const exchange = (c: Tcp.TcpSocket, msg: Uint8Array) => Effect.zipRight(c.send(msg), c.receive(ReadBuffer.line))
    yield* Effect.forEach(sockets, (c) => exchange(c, ping), { concurrency: "unbounded", discard: true })
    yield* exchange(sockets[0]!, MEM)
    const memOpen = memorySnapshot()
    const lat = new Float64Array(conns * rounds)
    const roundTrips = (c: Tcp.TcpSocket, index: number): Effect.Effect<void, NetError.NetError> => {
      let i = 0
      let t = 0
      const one: Effect.Effect<void, NetError.NetError> = Effect.suspend(() => {
        t = now()
        return Effect.flatMap(c.send(ping), () =>
          Effect.flatMap(c.receive(ReadBuffer.line), (reply) => {
            lat[index * rounds + i] = now() - t
            if (reply.length !== ping.length - 1) return Effect.fail(new NetError.Unknown({ operation: "bench", detail: "bad reply" }))
            return ++i < rounds ? one : Effect.void
          }))
      })
      return one
    }
    const cpu0 = process.cpuUsage()
    const t1 = now()
    yield* Effect.forEach(sockets, roundTrips, { concurrency: "unbounded", discard: true })
    const seconds = now() - t1
    const cpu = process.cpuUsage(cpu0)
    return { connect_s, seconds, cpu, lat, memOpen }
  })))

const raw = async (): Promise<Phases> => {
  const buf = Buffer.allocUnsafe(65536)
  interface Conn {
    sock: net.Socket
    rest: string
    onLine: (line: string) => void
  }
  const open = (): Promise<Conn> =>
    new Promise((resolve, reject) => {
      const conn: Conn = { sock: undefined as unknown as net.Socket, rest: "", onLine: () => {} }
      conn.sock = net.connect({
        host,
        port,
        noDelay: true,
        onread: {
          buffer: buf,
          callback: (nread: number) => {
            const s = conn.rest.length === 0 ? buf.toString("latin1", 0, nread) : conn.rest + buf.toString("latin1", 0, nread)
            let start = 0
            let nl: number
            while ((nl = s.indexOf("\n", start)) !== -1) {
              conn.onLine(s.slice(start, nl))
              start = nl + 1
            }
            conn.rest = start === s.length ? "" : s.slice(start)
            return true
          }
        }
      }, () => {
        conn.sock.off("error", reject)
        resolve(conn)
      })
      conn.sock.once("error", reject)
    })
  const exchange = (c: Conn, msg: Buffer): Promise<string> =>
    new Promise((resolve) => {
      c.onLine = resolve
      c.sock.write(msg)
    })
  const t0 = now()
  const all: Array<Conn> = []
  let next = 0
  const worker = async () => {
    while (next < conns) {
      next++
      all.push(await open())
    }
  }
  await Promise.all(Array.from({ length: Math.min(CONNECT_AT_ONCE, conns) }, worker))
  const connect_s = now() - t0
  for (const c of all) c.sock.on("error", (e) => fail(base, e))
  await Promise.all(all.map((c) => exchange(c, ping)))
  await exchange(all[0]!, MEM)
  const memOpen = memorySnapshot()
  const lat = new Float64Array(conns * rounds)
  const cpu0 = process.cpuUsage()
  const t1 = now()
  await new Promise<void>((resolve, reject) => {
    let running = all.length
    all.forEach((c, index) => {
      let i = 0
      let t = now()
      c.onLine = (line) => {
        lat[index * rounds + i] = now() - t
        if (line.length !== ping.length - 1) return reject(new Error(`bad reply ${JSON.stringify(line)}`))
        if (++i === rounds) {
          if (--running === 0) resolve()
          return
        }
        t = now()
        c.sock.write(ping)
      }
      c.sock.write(ping)
    })
  })
  const seconds = now() - t1
  const cpu = process.cpuUsage(cpu0)
  for (const c of all) c.sock.destroy()
  return { connect_s, seconds, cpu, lat, memOpen }
}

;(impl === "efx" ? efx() : raw()).then(
  ({ connect_s, seconds, cpu, lat, memOpen }) => {
    const total = conns * rounds
    lat.sort()
    emit({
      ...base,
      round_trips: total,
      seconds,
      connect_s,
      rt_s: total / seconds,
      rt_s_per_conn: total / seconds / conns,
      p50_us: percentileUs(lat, 0.5),
      p99_us: percentileUs(lat, 0.99),
      cpu_us_per_rt: (cpu.user + cpu.system) / total,
      fd_limit: openFilesLimit(),
      gc: memStart.gc,
      rss_start_kb: memStart.rss_kb,
      rss_open_kb: memOpen.rss_kb,
      heap_start_kb: memStart.heap_kb,
      heap_open_kb: memOpen.heap_kb,
      rss_per_conn_kb: (memOpen.rss_kb - memStart.rss_kb) / conns,
      heap_per_conn_kb: (memOpen.heap_kb - memStart.heap_kb) / conns
    })
    // Closing 5,000 sockets takes a moment; the server ends when it has seen every close.
    setTimeout(() => process.exit(0), 200).unref()
  },
  (e: unknown) => fail(base, e)
)
