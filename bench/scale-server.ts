/**
 * Scale run, server side: many concurrent connections, each answering request lines.
 * usage: node --expose-gc dist/bench/scale-server.js <efx|raw> <host> <conns>
 *
 * Prints "PORT <port>", accepts `conns` connections and serves each until the client
 * closes it: a "ping..." line gets a "pong..." line; a "mem" line (sent once, by the
 * client, when every connection is open and has done one exchange) makes the server
 * measure its memory (after a full GC) and answer "ok". Ends when every connection is
 * closed and prints one JSON line: memory at start and with every connection open
 * (idle), the per-connection difference, requests, CPU time from "mem" to the end.
 *
 * efx: `Tcp.listen` (backlog 1024), `acceptOwned` in a loop, one forked fiber per
 * connection running a flatMap loop of `receive(line)` / `send`. raw: `net.Server`,
 * 'data' events, latin1 line splitting (as raw-server.ts's W2).
 */
import * as net from "node:net"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import { ReadBuffer, Tcp } from "../src/index.js"
import type { NetError } from "../src/core/NetError.js"
import { announcePort, emit, fail, memorySnapshot, OK, openFilesLimit, pong } from "./common.js"

const [impl, host, connsArg] = process.argv.slice(2) as [string, string, string]
const conns = Number(connsArg)
const base = { impl, side: "server", mode: "scale", connections: conns }
if ((impl !== "efx" && impl !== "raw") || host === undefined || !Number.isSafeInteger(conns) || conns < 1) {
  fail(base, new Error("usage: scale-server <efx|raw> <host> <conns>"))
}

/** A scale run must stop by itself: 60 s without any request or close ends it with an error. */
const IDLE_LIMIT_MS = 60_000
let lastActivity = Date.now()
setInterval(() => {
  if (Date.now() - lastActivity > IDLE_LIMIT_MS) fail(base, new Error(`idle for ${IDLE_LIMIT_MS / 1000} s`))
}, 5000).unref()

const memStart = memorySnapshot()
let memOpen: ReturnType<typeof memorySnapshot> | undefined
let cpuAtMem: NodeJS.CpuUsage | undefined
let requests = 0
let requestsAtMem = 0

/** The "mem" request: memory with every connection open, and the CPU mark of the throughput phase. */
const measure = (): void => {
  memOpen = memorySnapshot()
  requestsAtMem = requests
  cpuAtMem = process.cpuUsage()
}

/**
 * The first connection closes: the round trips are (all but a few) done; the CPU from here to
 * the report is the connections' teardown (the client closes all at once), counted apart so
 * that CPU per round trip does not include it (10 rounds per connection at 5,000 connections
 * would spread a connection's close over 10 round trips, 200 over 100 connections).
 */
let cpuAtFirstClose: NodeJS.CpuUsage | undefined
let requestsAtFirstClose = 0
const firstClose = (): void => {
  if (cpuAtFirstClose !== undefined || cpuAtMem === undefined) return
  cpuAtFirstClose = process.cpuUsage()
  requestsAtFirstClose = requests
}
const micros = (c: NodeJS.CpuUsage): number => c.user + c.system

const report = (): void => {
  const end = process.cpuUsage()
  const atMem = cpuAtMem === undefined ? 0 : micros(cpuAtMem)
  const atClose = cpuAtFirstClose === undefined ? micros(end) : micros(cpuAtFirstClose)
  const served = (cpuAtFirstClose === undefined ? requests : requestsAtFirstClose) - requestsAtMem
  const open = memOpen ?? memorySnapshot()
  emit({
    ...base,
    requests,
    fd_limit: openFilesLimit(),
    gc: memStart.gc,
    rss_start_kb: memStart.rss_kb,
    rss_open_kb: open.rss_kb,
    heap_start_kb: memStart.heap_kb,
    heap_open_kb: open.heap_kb,
    rss_per_conn_kb: (open.rss_kb - memStart.rss_kb) / conns,
    heap_per_conn_kb: (open.heap_kb - memStart.heap_kb) / conns,
    cpu_us_per_rt: served > 0 ? (atClose - atMem) / served : 0,
    close_cpu_us_per_conn: (micros(end) - atClose) / conns
  })
  process.exit(0)
}

const isMem = (line: Uint8Array): boolean => line.length === 3 && line[0] === 109 && line[1] === 101 && line[2] === 109 // "mem"

const efx = Effect.scoped(Effect.gen(function*() {
  const server = yield* Tcp.listen(host, 0, { backlog: 1024 })
  announcePort((yield* server.getSockName()).port)
  const allClosed = yield* Deferred.make<void>()
  let closed = 0
  const handle = (conn: Tcp.TcpSocket): Effect.Effect<void> => {
    const loop: Effect.Effect<void, NetError> = Effect.flatMap(conn.receive(ReadBuffer.line), (line) => {
      requests++
      lastActivity = Date.now()
      if (isMem(line)) {
        measure()
        return Effect.flatMap(conn.send(OK), () => loop)
      }
      return Effect.flatMap(conn.send(pong(line)), () => loop)
    })
    return conn.setOption("tcp-nodelay", true).pipe(
      Effect.zipRight(loop),
      Effect.ignore, // Closed (the client is done) or a reset: the connection ends either way
      Effect.ensuring(Effect.zipRight(Effect.sync(firstClose), conn.close)),
      Effect.zipRight(Effect.suspend(() => (++closed === conns ? Deferred.succeed(allClosed, undefined) : Effect.void)))
    )
  }
  // The handlers are children of this fiber, which waits for all of them.
  for (let i = 0; i < conns; i++) {
    const conn = yield* server.acceptOwned()
    yield* Effect.fork(handle(conn))
  }
  yield* Deferred.await(allClosed)
}))

const raw = (): void => {
  let closed = 0
  const ignore = () => {}
  const server = net.createServer({ noDelay: true }, (sock) => {
    let rest = ""
    sock.on("error", ignore)
    sock.on("data", (d: Buffer) => {
      const s = rest.length === 0 ? d.toString("latin1") : rest + d.toString("latin1")
      let start = 0
      let nl: number
      while ((nl = s.indexOf("\n", start)) !== -1) {
        requests++
        if (nl - start === 3 && s.startsWith("mem", start)) {
          measure()
          sock.write("ok\n", "latin1")
        } else {
          sock.write("pong" + s.slice(start + 4, nl) + "\n", "latin1")
        }
        start = nl + 1
      }
      rest = start === s.length ? "" : s.slice(start)
      lastActivity = Date.now()
    })
    sock.on("close", () => {
      firstClose()
      lastActivity = Date.now()
      if (++closed === conns) {
        server.close()
        report()
      }
    })
  })
  server.on("error", (e) => fail(base, e))
  server.listen({ port: 0, host, backlog: 1024 }, () => announcePort((server.address() as net.AddressInfo).port))
}

if (impl === "efx") Effect.runPromise(efx).then(report, (e: unknown) => fail(base, e))
else raw()
