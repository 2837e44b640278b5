/**
 * Soak (issue 6): 1,000,000 request/response exchanges through the Effect API: 50 loopback
 * connections to an Effect echo server, each client sending windows of 10 pipelined lines and
 * checking every echo. RSS is sampled (after a full GC) every 100,000 exchanges once the first
 * 100,000 have warmed up; the growth over the run must stay under 64 MiB. Bounded in time: past
 * 150 s the clients stop and the run reports how far it got.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as RB from "../../src/core/ReadBuffer.js"
import * as Tcp from "../../src/core/Tcp.js"
import { echoServer } from "./echoServer.js"
import { arrayBuffersMiB, collectGarbage, heapMiB, rssMiB } from "./measure.js"

const EXCHANGES = Number(process.env.STRESS_EXCHANGES ?? 1_000_000)
const CONNECTIONS = 50
const WINDOW = 10
const WARM_UP = 100_000
const SAMPLE_EVERY = 100_000
const TIME_LIMIT_MS = 150_000
const GROWTH_LIMIT_MIB = 64

describe("soak", () => {
  it.live(`${EXCHANGES.toLocaleString("en")} request/response exchanges keep RSS flat after warm-up`, () =>
    Effect.scoped(Effect.gen(function*() {
      const { port, served } = yield* echoServer()

      const perConnection = Math.ceil(EXCHANGES / CONNECTIONS / WINDOW) * WINDOW
      const started = Date.now()
      let exchanges = 0
      let nextSample = WARM_UP
      let stoppedEarly = false
      const samples: Array<{ readonly at: number; readonly rss: number; readonly heap: number; readonly buffers: number; readonly seconds: number }> = []
      const sample = () => {
        collectGarbage()
        samples.push({ at: exchanges, rss: rssMiB(), heap: heapMiB(), buffers: arrayBuffersMiB(), seconds: (Date.now() - started) / 1000 })
      }

      /** One client: windows of WINDOW lines in one send, then WINDOW echoed lines, each checked. */
      const client = (id: number) =>
        Effect.scoped(Effect.gen(function*() {
          const c = yield* Tcp.connect("127.0.0.1", port)
          yield* c.setOption("tcp-nodelay", true)
          for (let done = 0; done < perConnection && exchanges < EXCHANGES; done += WINDOW) {
            if (Date.now() - started > TIME_LIMIT_MS) {
              stoppedEarly = true
              return
            }
            const lines: Array<string> = []
            for (let k = 0; k < WINDOW; k++) lines.push(`request ${id} ${done + k} ${"x".repeat((done + k) % 40)}`)
            yield* c.send(Buffer.from(lines.join("\n") + "\n"))
            for (let k = 0; k < WINDOW; k++) {
              const back = yield* c.receive(RB.line)
              if (Buffer.from(back).toString() !== lines[k]) return yield* Effect.dieMessage(`connection ${id}: echo ${done + k} differs`)
            }
            exchanges += WINDOW
            if (exchanges >= nextSample) {
              nextSample += SAMPLE_EVERY
              sample()
            }
          }
        }))

      yield* Effect.forEach(Array.from({ length: CONNECTIONS }, (_, i) => i), client, { concurrency: "unbounded", discard: true })
      const seconds = (Date.now() - started) / 1000

      const first = samples[0]
      const growth = first === undefined ? 0 : Math.max(...samples.map((s) => s.rss)) - first.rss
      const heapGrowth = first === undefined ? 0 : Math.max(...samples.map((s) => s.heap)) - first.heap
      console.log([
        `soak: ${exchanges.toLocaleString("en")} of ${EXCHANGES.toLocaleString("en")} exchanges over ${CONNECTIONS} connections (windows of ${WINDOW} pipelined lines) in ${seconds.toFixed(1)} s: ${Math.round(exchanges / seconds).toLocaleString("en")} exchanges/s${stoppedEarly ? ` (stopped at the ${TIME_LIMIT_MS / 1000} s limit)` : ""}`,
        `  RSS after GC, every ${SAMPLE_EVERY.toLocaleString("en")} exchanges from ${WARM_UP.toLocaleString("en")}: ${samples.map((s) => s.rss.toFixed(1)).join(", ")} MiB`,
        `  heap: ${samples.map((s) => s.heap.toFixed(1)).join(", ")} MiB; ArrayBuffers: ${samples.map((s) => s.buffers.toFixed(1)).join(", ")} MiB`,
        `  growth after warm-up: RSS ${growth.toFixed(1)} MiB (limit ${GROWTH_LIMIT_MIB}), heap ${heapGrowth.toFixed(1)} MiB`
      ].join("\n"))

      expect(served.errors).toBe(0)
      expect(samples.length).toBeGreaterThanOrEqual(2)
      expect(growth).toBeLessThan(GROWTH_LIMIT_MIB)
      if (!stoppedEarly) expect(exchanges).toBeGreaterThanOrEqual(EXCHANGES)
    })), 170_000)
})
