/**
 * Load (issue 6): an echo server written with the Effect API (`Tcp.listen`, an accept loop
 * that hands each connection to its own fiber with `acceptWith`) holds 5,000 concurrent
 * loopback connections; every client (in this process) sends a line once all are connected and
 * gets it echoed. Reports the memory per connection (both ends live in this process) and the
 * times. Needs 2 descriptors per connection: skipped, saying why, below a 12,000 limit.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as RB from "../../src/core/ReadBuffer.js"
import * as Tcp from "../../src/core/Tcp.js"
import { fdCount, waitUntil } from "../support.js"
import { echoServer } from "./echoServer.js"
import { collectGarbage, heapMiB, openFilesLimit, rssMiB } from "./measure.js"

const CONNECTIONS = Number(process.env.STRESS_CONNECTIONS ?? 5_000)
const NEEDED_DESCRIPTORS = 12_000
/** Connects in flight at once (the kernel's accept queue is 4096 here). */
const CONNECT_CONCURRENCY = 500

const limit = openFilesLimit()
const skip = limit < NEEDED_DESCRIPTORS
if (skip) console.log(`load: skipped: the descriptor limit (ulimit -n) is ${limit}, the test needs ${NEEDED_DESCRIPTORS}; raise it with ulimit -n ${NEEDED_DESCRIPTORS}`)

describe("load", () => {
  it.live.skipIf(skip)(`an Effect echo server holds ${CONNECTIONS.toLocaleString("en")} concurrent loopback connections and serves them all`, () =>
    Effect.scoped(Effect.gen(function*() {
      collectGarbage()
      const rssBefore = rssMiB()
      const heapBefore = heapMiB()
      const fdBefore = fdCount()

      // backlog 4096 (the kernel's somaxconn here): the clients connect in bursts of 500
      // maxPending above the connection count: Node accepts eagerly, and the accept loop may lag behind the connects
      const { port, server, served } = yield* echoServer({ backlog: 4096, maxPending: 10_000 })

      const started = Date.now()
      let connected = 0
      let echoed = 0
      const progress = process.env.STRESS_DEBUG ? setInterval(() => process.stderr.write(`load: ${JSON.stringify({ connected, accepted: served.accepted, echoed, fds: fdCount() })}\n`), 1000) : undefined
      yield* Effect.addFinalizer(() => Effect.sync(() => clearInterval(progress)))

      // all connections are held in this scope; only the connects in flight are limited
      const clients = yield* Effect.forEach(Array.from({ length: CONNECTIONS }, (_, i) => i), () =>
        Effect.tap(Tcp.connect("127.0.0.1", port), () => void connected++), { concurrency: CONNECT_CONCURRENCY })
      const connectMs = Date.now() - started
      yield* waitUntil("every server fiber to take its connection", () => served.accepted >= CONNECTIONS, 30_000)
      const serverMs = Date.now() - started - connectMs
      // every client sends a line at once and checks the echo
      yield* Effect.forEach(clients, (c, i) =>
        Effect.gen(function*() {
          const line = `client ${i} says hello`
          yield* c.send(Buffer.from(line + "\n"))
          const back = yield* c.receive(RB.line)
          expect(Buffer.from(back).toString()).toBe(line)
          echoed++
        }), { concurrency: "unbounded", discard: true }).pipe(Effect.timeoutFail({ duration: "30 seconds", onTimeout: () => new Error(`only ${echoed} of ${CONNECTIONS} echoed`) }))
      const echoMs = Date.now() - started - connectMs - serverMs
      collectGarbage()
      const peak = { fds: fdCount(), rss: rssMiB(), heap: heapMiB() }
      const handlerCount = yield* served.fibers
      const totalMs = Date.now() - started

      const perConnectionKiB = ((peak.rss - rssBefore) * 1024) / CONNECTIONS
      console.log([
        `load: ${CONNECTIONS} concurrent loopback connections to an Effect echo server (clients in the same process)`,
        `  connected in ${(connectMs / 1000).toFixed(2)} s (${CONNECT_CONCURRENCY} connects in flight), all accepted ${(serverMs / 1000).toFixed(2)} s later, all echoed ${(echoMs / 1000).toFixed(2)} s after that, ${(totalMs / 1000).toFixed(2)} s in all`,
        `  at the peak: ${peak.fds - fdBefore} descriptors more than before, ${handlerCount} connection fibers (+1 acceptor)`,
        `  RSS ${rssBefore.toFixed(1)} -> ${peak.rss.toFixed(1)} MiB: ${perConnectionKiB.toFixed(1)} KiB per connection (both ends); heap ${heapBefore.toFixed(1)} -> ${peak.heap.toFixed(1)} MiB: ${(((peak.heap - heapBefore) * 1024) / CONNECTIONS).toFixed(1)} KiB per connection`,
        `  accept errors ${served.errors}, connections dropped by the server ${server.droppedConnections}`
      ].join("\n"))

      expect(echoed).toBe(CONNECTIONS)
      expect(peak.fds - fdBefore).toBeGreaterThanOrEqual(2 * CONNECTIONS)
      expect(handlerCount).toBeGreaterThanOrEqual(CONNECTIONS)
      expect(served.errors).toBe(0)
      expect(server.droppedConnections).toBe(0)
    })), 60_000)
})
