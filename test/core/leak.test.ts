/**
 * Descriptor leak test: 2,000 cycles of connect -> a receive (or accept, connect, send) that
 * waits -> interrupted in different ways and at different points, against one real loopback
 * server. Afterwards the process holds exactly as many descriptors as before, nothing was
 * thrown or rejected outside of Effect, and the server still serves.
 *
 * vitest runs each test file in its own process (pool "forks"), so /proc/self/fd counts only
 * this file's descriptors.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Exit, Fiber } from "effect"
import * as NetError from "../../src/core/NetError.js"
import * as RB from "../../src/core/ReadBuffer.js"
import * as Tcp from "../../src/core/Tcp.js"
import { fdCount, ownPair as ownPairOn, settledFdCount } from "../support.js"


let unhandledRejections = 0
let uncaughtExceptions = 0
process.on("unhandledRejection", () => {
  unhandledRejections++
})
process.on("uncaughtException", () => {
  uncaughtExceptions++
})

/** n turns of the event loop (setImmediate), so I/O callbacks run in between. */
const ticks = (n: number): Effect.Effect<void> =>
  n <= 0 ? Effect.void : Effect.zipRight(Effect.async<void>((resume) => {
    setImmediate(() => resume(Effect.void))
  }), ticks(n - 1))

const CYCLES = 2000
const VARIANTS = 10

describe("descriptor leaks", () => {
  it.live("2,000 interrupted connect/accept/receive/send cycles leave no descriptor, waiter or unhandled error behind", () =>
    Effect.scoped(Effect.gen(function*() {
      // one server for everything; accepted sockets pause reading at 16 KiB
      const server = yield* Tcp.listen("127.0.0.1", 0, { readHighWaterMark: 16 * 1024 })
      const { address: host, port } = Either.getOrThrow(server.getSockName())
      // more than loopback's kernel buffers absorb from a peer that does not read (~4 MB here)
      const payload = Buffer.alloc(8 * 1024 * 1024, 0x61)

      const ownPair = (options: Tcp.ClientOptions = {}) => ownPairOn(server, options)

      let connectsPending = 0
      let connectCycles = 0
      let acceptsPending = 0
      let acceptCycles = 0
      let sendsPending = 0
      let sendCycles = 0
      let receivesPending = 0
      let receiveCycles = 0

      /** Closes connections that reached the server after their connect was interrupted. */
      const drainOrphans = Effect.gen(function*() {
        for (;;) {
          const r = yield* Effect.either(server.takePending())
          if (Either.isLeft(r)) return
          r.right.closeNow()
        }
      })

      const cycle = (i: number): Effect.Effect<void, NetError.NetError> => {
        const k = Math.floor(i / VARIANTS)
        switch (i % VARIANTS) {
          case 0: // a waiting receive(line), Fiber.interrupt after 0..2 ticks
            return Effect.scoped(Effect.gen(function*() {
              const { client } = yield* ownPair()
              const f = yield* Effect.fork(client.receive(RB.line))
              yield* ticks(k % 3)
              receiveCycles++
              if (f.unsafePoll() === null) receivesPending++
              yield* Fiber.interrupt(f)
            }))
          case 1: // Effect.timeout around a receive that runs under a finite socket timeout (a timer fiber)
            return Effect.scoped(Effect.gen(function*() {
              const { client } = yield* ownPair()
              yield* client.setTimeout(5)
              const r = yield* Effect.either(Effect.timeout(client.receive(RB.all), "1 millis"))
              receiveCycles++
              if (Either.isLeft(r) && r.left._tag === "TimeoutException") receivesPending++
            }))
          case 2: // Effect.interrupt in the fiber that is receiving (concurrent zip: the receive is interrupted)
            return Effect.scoped(Effect.gen(function*() {
              const { client } = yield* ownPair()
              yield* client.setTimeout(k % 2 === 0 ? -1 : 5, "t")
              const exit = yield* Effect.exit(
                Effect.zip(client.receive(RB.exactly(10)), Effect.zipRight(ticks(1 + (k % 2)), Effect.interrupt), { concurrent: true })
              )
              receiveCycles++
              if (Exit.isInterrupted(exit)) receivesPending++
            }))
          case 3: // the whole cycle forked and interrupted at a varying point (connect, accept, receive)
            return Effect.gen(function*() {
              const f = yield* Effect.fork(Effect.scoped(Effect.gen(function*() {
                const { client } = yield* ownPair()
                yield* client.receive(RB.line)
              })))
              yield* ticks(k % 6)
              yield* Fiber.interrupt(f)
            })
          case 4: // a pending connect, interrupted before it completes (microtask yields only: no I/O turn)
            return Effect.scoped(Effect.gen(function*() {
              const m = yield* Tcp.master()
              const f = yield* Effect.fork(m.connect(host, port))
              for (let y = 0; y < 1 + (k % 3); y++) yield* Effect.yieldNow()
              connectCycles++
              if (f.unsafePoll() === null && m.kind === "client") connectsPending++
              yield* Fiber.interrupt(f)
            }))
          case 5: // a pending accept (nobody connecting), interrupted; or cut by Effect.timeout
            return Effect.gen(function*() {
              yield* drainOrphans
              acceptCycles++
              if (k % 2 === 0) {
                const f = yield* Effect.fork(Effect.scoped(server.accept()))
                yield* ticks(1 + (k % 3))
                if (f.unsafePoll() === null) acceptsPending++
                yield* Fiber.interrupt(f)
              } else {
                const r = yield* Effect.either(Effect.timeout(Effect.scoped(server.accept()), "1 millis"))
                if (Either.isLeft(r) && r.left._tag === "TimeoutException") acceptsPending++
              }
            })
          case 6: // a send waiting for drain (the peer does not read), Fiber.interrupt
            return Effect.scoped(Effect.gen(function*() {
              const { client } = yield* ownPair({ writeHighWaterMark: 16 * 1024 })
              const f = yield* Effect.fork(client.send(payload))
              yield* ticks(2)
              sendCycles++
              if (f.unsafePoll() === null) sendsPending++
              yield* Fiber.interrupt(f)
            }))
          case 7: // a send waiting for drain under a socket timeout, cut by Effect.timeout
            return Effect.scoped(Effect.gen(function*() {
              const { client } = yield* ownPair({ writeHighWaterMark: 16 * 1024 })
              yield* client.setTimeout(5)
              const r = yield* Effect.either(Effect.timeout(client.send(payload), "2 millis"))
              sendCycles++
              if (Either.isLeft(r) && r.left._tag === "TimeoutException") sendsPending++
            }))
          case 9: // withConnection + acceptWith (no Scope), both interrupted inside `use`
            return Effect.gen(function*() {
              const served = yield* Effect.fork(server.acceptWith((conn) => conn.receive(RB.line)))
              const used = yield* Effect.fork(Tcp.withConnection(host, port, (client) =>
                Effect.zipRight(client.send(new Uint8Array([120])), client.receive(RB.line))))
              yield* ticks(2 + (k % 3))
              yield* Fiber.interrupt(used)
              yield* Fiber.interrupt(served)
            })
          case 8: // not an interrupt: the socket's own timeout ends the receive (typed Timeout), then a normal close
            return Effect.scoped(Effect.gen(function*() {
              const { client, conn } = yield* ownPair()
              yield* conn.send(new Uint8Array([1, 2, 3]))
              yield* client.setTimeout(0.001)
              const r = yield* Effect.either(client.receive(RB.exactly(10)))
              expect(Either.isLeft(r) && r.left._tag).toBe("Timeout")
              if (Either.isLeft(r)) expect(r.left.partial?.length ?? 0).toBeLessThanOrEqual(3)
            }))
          default:
            return Effect.dieMessage(`no variant ${i % VARIANTS}`)
        }
      }

      const settledCount = settledFdCount(drainOrphans, 2000)

      // warm-up: every variant a few times, so Node's lazily created internals exist
      for (let i = 0; i < VARIANTS * 10; i++) {
        if (process.env.LEAK_DEBUG) console.error("warm", i, i % VARIANTS, fdCount())
        yield* cycle(i)
      }
      const baseline = yield* settledCount
      const started = Date.now()

      for (let i = 0; i < CYCLES; i++) {
        if (process.env.LEAK_DEBUG) console.error("cycle", i, i % VARIANTS, fdCount())
        yield* cycle(i)
      }
      const cycleMs = Date.now() - started

      // settle: wait (max 2 s) until the count is back at the baseline
      let after = fdCount()
      const deadline = Date.now() + 2000
      while (after !== baseline && Date.now() < deadline) {
        yield* drainOrphans
        yield* Effect.sleep("20 millis")
        after = fdCount()
      }
      expect({ after, baseline }).toEqual({ after: baseline, baseline })

      // the waits were real: most receives and sends were still pending when interrupted
      const counts = { receiveCycles, receivesPending, sendCycles, sendsPending, connectCycles, connectsPending, acceptCycles, acceptsPending }
      expect(receiveCycles, JSON.stringify(counts)).toBeGreaterThanOrEqual(600)
      expect(receivesPending / receiveCycles, JSON.stringify(counts)).toBeGreaterThan(0.9)
      expect(sendCycles, JSON.stringify(counts)).toBeGreaterThanOrEqual(400)
      expect(sendsPending / sendCycles, JSON.stringify(counts)).toBeGreaterThan(0.9)
      expect(connectsPending / connectCycles, JSON.stringify(counts)).toBeGreaterThan(0.9)
      expect(acceptsPending / acceptCycles, JSON.stringify(counts)).toBeGreaterThan(0.9)

      // no waiter was left registered on the server
      const internals = server as unknown as { acceptWaiters?: ReadonlyArray<unknown>; pending?: ReadonlyArray<unknown> }
      if (internals.acceptWaiters !== undefined) expect(internals.acceptWaiters.length).toBe(0)
      if (internals.pending !== undefined) expect(internals.pending.length).toBe(0)

      // the server still serves
      yield* Effect.scoped(Effect.gen(function*() {
        const { client, conn } = yield* ownPair()
        yield* client.send(Buffer.from("still serving\n"))
        expect(Buffer.from(yield* conn.receive(RB.line)).toString()).toBe("still serving")
        yield* conn.send(Buffer.from("yes"))
        yield* conn.close
        expect(Buffer.from(yield* client.receive(RB.all)).toString()).toBe("yes")
      }))

      expect(unhandledRejections).toBe(0)
      expect(uncaughtExceptions).toBe(0)
      expect(server.droppedConnections).toBe(0)
      // keep the whole run well inside the time budget
      expect(cycleMs).toBeLessThan(15_000)
    })), 30_000)
})
