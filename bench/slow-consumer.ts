/**
 * A slow consumer of a fast sender, on the Effect core (issue 8's memory target: the data
 * buffered stays under 32 MiB). Two roles, one process each:
 *
 *   node dist/bench/slow-consumer.js receiver <host> <mib> <chunk KiB> <delay ms>
 *     listens (prints "PORT <port>"), accepts one connection and consumes it slowly: a
 *     `receiveInto` of at most <chunk KiB> into one buffer, then `Effect.sleep(<delay ms>)`,
 *     until <mib> MiB are consumed or the peer closes.
 *   node dist/bench/slow-consumer.js sender <host> <port> <mib>
 *     connects and sends <mib> blocks of 1 MiB as fast as `send` completes, then closes.
 *
 * Each samples itself every 20 ms and prints one JSON line: the receiver its buffered data at
 * most (bytes received and not yet consumed: `getStats().received` - consumed), both their peak
 * JavaScript heap + external memory and peak RSS (`maxrss_kb`). The sender's own buffered data
 * is what its completed `send`s handed to Node and Node has not yet written to the kernel:
 * bounded by the socket's write high-water mark (1 MiB) plus one send, as `send` completes only
 * below it; its heap + external peak shows it. Driver: bench/slow.ts (`npm run bench -- slow`).
 */
import * as Effect from "effect/Effect"
import { Tcp } from "../src/index.js"
import type { NetError } from "../src/core/NetError.js"
import { announcePort, emit, fail } from "./common.js"

const [role, ...rest] = process.argv.slice(2)
const base = { impl: "efx", mode: "slow-consumer", side: role }

/** Heap + external memory, sampled. */
const memoryKiB = (): number => {
  const m = process.memoryUsage()
  return (m.heapUsed + m.external) / 1024
}

const sampler = (sample: () => void): { stop: () => void } => {
  const timer = setInterval(sample, 20)
  return { stop: () => clearInterval(timer) }
}

const number = (s: string | undefined, what: string): number => {
  const n = Number(s)
  return Number.isFinite(n) && n >= 0 ? n : fail(base, new Error(`bad ${what} ${JSON.stringify(s)}`))
}

if (role === "receiver") {
  const [host = "127.0.0.1", mibArg, chunkArg, delayArg] = rest
  const total = number(mibArg, "MiB") * 1048576
  const chunk = new Uint8Array(number(chunkArg, "chunk KiB") * 1024)
  const delay = number(delayArg, "delay ms")
  let consumed = 0
  let maxBuffered = 0
  let maxMemory = memoryKiB()
  const program = Effect.scoped(Effect.gen(function*() {
    const server = yield* Tcp.listen(host, 0)
    announcePort((yield* server.getSockName()).port)
    const t0 = performance.now()
    return yield* server.acceptWith((conn) => {
      const s = sampler(() => {
        maxBuffered = Math.max(maxBuffered, conn.getStats().received - consumed)
        maxMemory = Math.max(maxMemory, memoryKiB())
      })
      const loop: Effect.Effect<void, NetError> = Effect.suspend(() =>
        consumed >= total ? Effect.void : Effect.flatMap(conn.receiveInto(chunk), (n) => {
          consumed += n
          return Effect.zipRight(Effect.sleep(delay), loop)
        }))
      return loop.pipe(
        Effect.catchTag("Closed", () => Effect.void),
        Effect.ensuring(Effect.sync(() => s.stop())),
        Effect.map(() => ({ consumed, seconds: (performance.now() - t0) / 1000, max_buffered_kib: maxBuffered / 1024, max_heap_external_kib: maxMemory }))
      )
    })
  }))
  Effect.runPromise(program).then((r) => emit({ ...base, ...r }), (e: unknown) => fail(base, e))
} else if (role === "sender") {
  const [host = "127.0.0.1", portArg, mibArg] = rest
  const port = number(portArg, "port")
  const blocks = number(mibArg, "MiB")
  const block = Buffer.alloc(1048576, 0x78)
  let maxMemory = memoryKiB()
  const program = Effect.scoped(Effect.gen(function*() {
    const c = yield* Tcp.connect(host, port)
    const s = sampler(() => void (maxMemory = Math.max(maxMemory, memoryKiB())))
    const t0 = performance.now()
    let sent = 0
    const loop: Effect.Effect<void, NetError> = Effect.suspend(() =>
      sent >= blocks ? Effect.void : Effect.flatMap(c.send(block), () => {
        sent++
        return loop
      }))
    // the receiver closes once it has consumed what it wanted: a send may then fail, which ends the run
    yield* Effect.catchAll(loop, () => Effect.void)
    s.stop()
    return { sent_mib: sent, seconds: (performance.now() - t0) / 1000, max_heap_external_kib: maxMemory }
  }))
  Effect.runPromise(program).then((r) => emit({ ...base, ...r }), (e: unknown) => fail(base, e))
} else {
  fail(base, new Error("usage: slow-consumer receiver <host> <mib> <chunk KiB> <delay ms> | sender <host> <port> <mib>"))
}
