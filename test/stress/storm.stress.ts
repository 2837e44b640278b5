/**
 * Interruption storm (issue 6): 10,000 connect / accept / send / receive / select / UDP receive
 * operations against one real loopback server, each interrupted at a point fast-check chooses
 * (a number of microtask yields, event-loop turns or milliseconds), by `Fiber.interrupt`, as the
 * loser of a race or by `Effect.timeout`. Afterwards: as many descriptors and active handles /
 * timers as before (`/proc/self/fd`, `process.getActiveResourcesInfo()`), no unhandled error,
 * rejection or warning, no waiter or readiness listener left on any socket, no byte lost by an
 * interrupted receive, and the server still serves.
 *
 * Reproduce a run with STRESS_SEED=<seed printed by the run>.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Exit, FastCheck as fc, Fiber } from "effect"
import * as NetError from "../../src/core/NetError.js"
import * as RB from "../../src/core/ReadBuffer.js"
import * as Select from "../../src/core/Select.js"
import * as Tcp from "../../src/core/Tcp.js"
import * as Udp from "../../src/core/Udp.js"
import { fdCount, settledFdCount } from "../support.js"

let unhandledRejections = 0
let uncaughtExceptions = 0
const warnings: Array<string> = []
process.on("unhandledRejection", () => void unhandledRejections++)
process.on("uncaughtException", () => void uncaughtExceptions++)
process.on("warning", (w) => void warnings.push(`${w.name}: ${w.message}`))

const OPERATIONS = 10_000
const WARM_UP = 300
/** The storm stops (and fails) rather than run past this. */
const TIME_LIMIT_MS = 60_000

// ---- what fast-check chooses -------------------------------------------------------------------

type Delay = { readonly _tag: "yield" | "tick" | "ms"; readonly n: number }
type Method = "fiber" | "race" | "timeout"
type PatternChoice = { readonly _tag: "line" } | { readonly _tag: "lineMax"; readonly max: number } | { readonly _tag: "all" } | { readonly _tag: "exactly"; readonly n: number } | { readonly _tag: "available" }
type SelectSocket = "client" | "conn" | "server" | "udp"

type Op =
  | { readonly kind: "connect"; readonly delay: Delay; readonly method: Method; readonly timed: boolean }
  | { readonly kind: "accept"; readonly delay: Delay; readonly method: Method; readonly arrival: "none" | "concurrent" | "acceptWith" }
  | { readonly kind: "send"; readonly delay: Delay; readonly method: Method; readonly peerReads: boolean; readonly timed: boolean }
  | { readonly kind: "receive"; readonly delay: Delay; readonly method: Method; readonly pattern: PatternChoice; readonly before: Uint8Array; readonly later: Uint8Array; readonly laterDelay: Delay; readonly timed: boolean }
  | { readonly kind: "select"; readonly delay: Delay; readonly method: Method; readonly readers: ReadonlyArray<SelectSocket>; readonly writers: ReadonlyArray<SelectSocket>; readonly limitMs: number | undefined; readonly wake: "none" | "tcp" | "udp" | "connect"; readonly wakeDelay: Delay }
  | { readonly kind: "udp"; readonly delay: Delay; readonly method: Method; readonly datagram: boolean; readonly wakeDelay: Delay; readonly timed: boolean }
  | { readonly kind: "whole"; readonly delay: Delay; readonly method: Method }

const delayArb: fc.Arbitrary<Delay> = fc.oneof(
  fc.record({ _tag: fc.constant("yield" as const), n: fc.integer({ min: 0, max: 8 }) }),
  fc.record({ _tag: fc.constant("tick" as const), n: fc.integer({ min: 0, max: 4 }) }),
  fc.record({ _tag: fc.constant("ms" as const), n: fc.integer({ min: 0, max: 3 }) })
)
const methodArb: fc.Arbitrary<Method> = fc.constantFrom("fiber", "race", "timeout")
/** Bytes without LF (a line pattern cannot complete on them). */
const noLf = (max: number) => fc.uint8Array({ maxLength: max }).map((b) => b.map((x) => (x === 10 ? 13 : x)))
const patternArb: fc.Arbitrary<PatternChoice> = fc.oneof(
  fc.constant({ _tag: "line" as const }),
  fc.record({ _tag: fc.constant("lineMax" as const), max: fc.integer({ min: 1, max: 64 }) }),
  fc.constant({ _tag: "all" as const }),
  fc.record({ _tag: fc.constant("exactly" as const), n: fc.integer({ min: 1, max: 100 }) }),
  fc.constant({ _tag: "available" as const })
)
const selectSockets: Array<SelectSocket> = ["client", "conn", "server", "udp"]

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("connect" as const), delay: delayArb, method: methodArb, timed: fc.boolean() }),
  fc.record({ kind: fc.constant("accept" as const), delay: delayArb, method: methodArb, arrival: fc.constantFrom("none" as const, "concurrent" as const, "acceptWith" as const) }),
  fc.record({ kind: fc.constant("send" as const), delay: delayArb, method: methodArb, peerReads: fc.boolean(), timed: fc.boolean() }),
  fc.record({
    kind: fc.constant("receive" as const),
    delay: delayArb,
    method: methodArb,
    pattern: patternArb,
    before: noLf(40),
    later: fc.uint8Array({ maxLength: 40 }),
    laterDelay: delayArb,
    timed: fc.boolean()
  }),
  fc.record({
    kind: fc.constant("select" as const),
    delay: delayArb,
    method: methodArb,
    readers: fc.subarray(selectSockets),
    writers: fc.oneof({ arbitrary: fc.constant([] as Array<SelectSocket>), weight: 4 }, { arbitrary: fc.subarray(selectSockets), weight: 1 }),
    limitMs: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
    wake: fc.constantFrom("none" as const, "tcp" as const, "udp" as const, "connect" as const),
    wakeDelay: delayArb
  }),
  fc.record({ kind: fc.constant("udp" as const), delay: delayArb, method: methodArb, datagram: fc.boolean(), wakeDelay: delayArb, timed: fc.boolean() }),
  fc.record({ kind: fc.constant("whole" as const), delay: delayArb, method: methodArb })
)

// ---- helpers -----------------------------------------------------------------------------------

const yields = (n: number): Effect.Effect<void> => (n <= 0 ? Effect.void : Effect.zipRight(Effect.yieldNow(), yields(n - 1)))
/** n turns of the event loop (setImmediate), so I/O callbacks run in between. */
const ticks = (n: number): Effect.Effect<void> =>
  n <= 0 ? Effect.void : Effect.zipRight(Effect.async<void>((resume) => void setImmediate(() => resume(Effect.void))), ticks(n - 1))
const wait = (d: Delay): Effect.Effect<void> => (d._tag === "yield" ? yields(d.n) : d._tag === "tick" ? ticks(d.n) : Effect.sleep(Duration.millis(d.n)))

const patternOf = (p: PatternChoice): RB.Pattern => {
  switch (p._tag) {
    case "line":
      return RB.line
    case "lineMax":
      return RB.lineMax(p.max)
    case "all":
      return RB.all
    case "exactly":
      return RB.exactly(p.n)
    case "available":
      return RB.available()
  }
}

interface TcpInternals {
  readonly acceptWaiters: ReadonlyArray<unknown>
  readonly writeWaiters: ReadonlyArray<unknown>
  readonly pending: ReadonlyArray<unknown>
  readonly socket: unknown
  readonly readBuffer?: { readonly waiters: ReadonlyArray<unknown> }
}
const tcpInternals = (s: Tcp.TcpSocket): TcpInternals => s as unknown as TcpInternals
const acceptWaiting = (s: Tcp.TcpSocket) => tcpInternals(s).acceptWaiters.length
const sendWaiting = (s: Tcp.TcpSocket) => tcpInternals(s).writeWaiters.length
const receiveWaiting = (s: Tcp.TcpSocket) => tcpInternals(s).readBuffer?.waiters.length ?? 0
/** Every waiter and readiness listener registered on a socket. */
const leftOn = (s: Tcp.TcpSocket | Udp.UdpSocket): number =>
  s instanceof Udp.UdpSocket ? s.waitingReceives + s.readyListeners : acceptWaiting(s) + sendWaiting(s) + receiveWaiting(s) + s.readyListeners

/** Active handles and timers by type (Node's own view), without this process's stdio. */
const activeResources = (): Record<string, number> => {
  const out: Record<string, number> = {}
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1
  return out
}

type Counts = Record<Op["kind"], { ops: number; interrupted: number; waiting: number }>
const emptyCounts = (): Counts => ({
  connect: { ops: 0, interrupted: 0, waiting: 0 },
  accept: { ops: 0, interrupted: 0, waiting: 0 },
  send: { ops: 0, interrupted: 0, waiting: 0 },
  receive: { ops: 0, interrupted: 0, waiting: 0 },
  select: { ops: 0, interrupted: 0, waiting: 0 },
  udp: { ops: 0, interrupted: 0, waiting: 0 },
  whole: { ops: 0, interrupted: 0, waiting: 0 }
})

const concat = (...parts: ReadonlyArray<Uint8Array>): Uint8Array => Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)))

describe("interruption storm", () => {
  it.live(`${OPERATIONS.toLocaleString("en")} operations interrupted at points fast-check chooses leave no descriptor, handle, waiter or unhandled error behind`, () =>
    Effect.scoped(Effect.gen(function*() {
      const seed = process.env.STRESS_SEED !== undefined ? Number(process.env.STRESS_SEED) : Date.now() ^ (Math.random() * 0x7fffffff)
      const warmUpOps = fc.sample(opArb, { seed: seed + 1, numRuns: WARM_UP })
      const ops = fc.sample(opArb, { seed, numRuns: OPERATIONS })

      const server = yield* Tcp.listen("127.0.0.1", 0, { readHighWaterMark: 16 * 1024 })
      const { address: host, port } = Either.getOrThrow(server.getSockName())
      // more than loopback's kernel buffers absorb from a peer that does not read
      const payload = Buffer.alloc(8 * 1024 * 1024, 0x61)

      /** Closes connections that reached the server after their connect was interrupted. */
      const drainOrphans = Effect.gen(function*() {
        for (;;) {
          const r = yield* Effect.either(server.takePending())
          if (Either.isLeft(r)) return
          r.right.closeNow()
        }
      })

      /** Accepts until the connection of `client` (closing orphans of earlier interrupted connects). */
      const acceptOwn = (client: Tcp.TcpSocket) =>
        Effect.gen(function*() {
          const local = Either.getOrThrow(client.getSockName()).port
          for (;;) {
            const conn = yield* server.accept()
            const peer = conn.getPeerName()
            if (Either.isRight(peer) && peer.right.port === local) return conn
            yield* conn.close
          }
        })

      const ownPair = (options: Tcp.ClientOptions = {}) =>
        Effect.gen(function*() {
          const client = yield* Tcp.connect(host, port, options)
          const conn = yield* acceptOwn(client)
          return { client, conn }
        })

      const failures: Array<string> = []
      const check = (ok: boolean, what: string) => {
        if (!ok && failures.length < 20) failures.push(what)
      }

      /**
       * Runs `op` and interrupts it after `delay` as `method` says; `waiting()` is looked at
       * just before the interruption (fiber, race). Returns the op's own exit and whether it
       * was waiting on a socket event when interrupted.
       */
      const interrupting = <A, E>(method: Method, delay: Delay, op: Effect.Effect<A, E>, waiting: () => boolean) =>
        Effect.gen(function*() {
          let exit: Exit.Exit<A, E> | undefined
          let wasWaiting = false
          const tracked = Effect.onExit(op, (e) => Effect.sync(() => void (exit = e)))
          if (method === "fiber") {
            const f = yield* Effect.fork(tracked)
            yield* wait(delay)
            wasWaiting = f.unsafePoll() === null && waiting()
            yield* Fiber.interrupt(f)
          } else if (method === "race") {
            yield* Effect.raceFirst(
              Effect.exit(tracked),
              Effect.zipRight(wait(delay), Effect.sync(() => void (wasWaiting = exit === undefined && waiting())))
            )
          } else {
            // Effect.timeout: at least 1 ms; waiting = the op did not finish within it
            yield* Effect.exit(Effect.timeout(tracked, Duration.millis(delay._tag === "ms" ? Math.max(1, delay.n) : 1)))
            wasWaiting = exit !== undefined && Exit.isInterrupted(exit)
          }
          return { exit, interrupted: exit !== undefined && Exit.isInterrupted(exit), waiting: wasWaiting }
        })

      const counts = emptyCounts()
      let bytesChecked = 0

      const run = (op: Op, index: number): Effect.Effect<void, NetError.NetError> => {
        const label = `op ${index} ${JSON.stringify(op, (_k, v) => (v instanceof Uint8Array ? Array.from(v) : v))}`
        const tally = (r: { readonly interrupted: boolean; readonly waiting: boolean }) => {
          const c = counts[op.kind]
          c.ops++
          if (r.interrupted) c.interrupted++
          if (r.waiting) c.waiting++
        }
        switch (op.kind) {
          case "connect":
            return Effect.scoped(Effect.gen(function*() {
              const m = yield* Tcp.master()
              if (op.timed) yield* m.setTimeout(5)
              const r = yield* interrupting(op.method, op.delay, m.connect(host, port), () => m.kind === "client" && tcpInternals(m).socket === undefined)
              tally(r)
              check(leftOn(m) === 0, `${label}: waiters left on the client`)
            }))
          case "accept":
            return Effect.scoped(Effect.gen(function*() {
              yield* drainOrphans
              if (op.arrival !== "none") yield* Effect.forkScoped(Effect.zipRight(wait(op.delay), Tcp.connect(host, port)))
              const accept = op.arrival === "acceptWith"
                ? server.acceptWith((conn) => conn.receive(RB.line))
                : Effect.scoped(Effect.flatMap(server.accept(), (conn) => conn.receive(RB.line)))
              const r = yield* interrupting(op.method, op.delay, accept, () => acceptWaiting(server) > 0)
              tally(r)
              check(acceptWaiting(server) === 0, `${label}: accept waiter left on the server`)
            }))
          case "send":
            return Effect.scoped(Effect.gen(function*() {
              const { client, conn } = yield* ownPair({ writeHighWaterMark: 16 * 1024 })
              if (op.timed) yield* client.setTimeout(5)
              const target = new Uint8Array(64 * 1024)
              const reader = op.peerReads ? yield* Effect.fork(Effect.forever(conn.receiveInto(target))) : undefined
              const r = yield* interrupting(op.method, op.delay, client.send(payload), () => sendWaiting(client) > 0)
              tally(r)
              if (reader !== undefined) yield* Fiber.interrupt(reader)
              check(leftOn(client) === 0 && leftOn(conn) === 0, `${label}: waiters left`)
            }))
          case "receive":
            return Effect.scoped(Effect.gen(function*() {
              const { client, conn } = yield* ownPair()
              if (op.timed) yield* client.setTimeout(5)
              if (op.before.length > 0) {
                yield* conn.send(op.before)
                // let the bytes arrive before the receive starts (most of the time)
                yield* ticks(2)
              }
              const peer = yield* Effect.fork(Effect.zipRight(wait(op.laterDelay), op.later.length > 0 ? conn.send(op.later) : Effect.succeed(0)))
              const r = yield* interrupting(op.method, op.delay, client.receive(patternOf(op.pattern)), () => receiveWaiting(client) > 0)
              tally(r)
              yield* Fiber.join(peer)
              check(leftOn(client) === 0, `${label}: receive waiter left`)
              // nothing lost: what the receive did not return is still there, in order
              const sent = concat(op.before, op.later)
              const took = r.exit !== undefined && Exit.isSuccess(r.exit) ? r.exit.value : undefined
              const exact = op.pattern._tag === "exactly" || op.pattern._tag === "available" || op.pattern._tag === "all"
              if (r.interrupted || (took !== undefined && exact)) {
                yield* conn.close
                const rest = yield* Effect.orElseSucceed(client.receive(RB.all), () => new Uint8Array(0))
                const got = concat(took ?? new Uint8Array(0), rest)
                check(Buffer.compare(Buffer.from(got), Buffer.from(sent)) === 0, `${label}: bytes lost or reordered: got ${got.length} of ${sent.length}`)
                bytesChecked += sent.length
              }
            }))
          case "select":
            return Effect.scoped(Effect.gen(function*() {
              const { client, conn } = yield* ownPair()
              const udp = yield* Udp.bind("127.0.0.1", 0, { family: "inet" })
              const udpPort = Either.getOrThrow(udp.getSockName()).port
              const byName = { client, conn, server, udp } as const
              const involved = [client, conn, server, udp]
              const readers = op.readers.map((n) => byName[n])
              const writers = op.writers.map((n) => byName[n])
              const wake = op.wake === "tcp"
                ? conn.send(new Uint8Array([1]))
                : op.wake === "udp"
                ? Effect.scoped(Effect.flatMap(Udp.open({ family: "inet" }), (u) => u.sendto(new Uint8Array([1]), "127.0.0.1", udpPort)))
                : op.wake === "connect"
                ? Effect.as(Effect.scoped(Tcp.connect(host, port)), 0)
                : Effect.succeed(0)
              const peer = yield* Effect.fork(Effect.zipRight(wait(op.wakeDelay), wake))
              const limit = op.limitMs === undefined ? undefined : Duration.millis(op.limitMs)
              const r = yield* interrupting(op.method, op.delay, Select.select(readers, writers, limit), () => involved.some((s) => s.readyListeners > 0))
              tally(r)
              yield* Fiber.join(peer)
              for (const s of involved) check(s.readyListeners === 0, `${label}: ${s.className} kept ${s.readyListeners} readiness listeners`)
            }))
          case "udp":
            return Effect.scoped(Effect.gen(function*() {
              const udp = yield* Udp.bind("127.0.0.1", 0, { family: "inet" })
              if (op.timed) yield* udp.setTimeout(5)
              const udpPort = Either.getOrThrow(udp.getSockName()).port
              const peer = yield* Effect.fork(Effect.zipRight(
                wait(op.wakeDelay),
                op.datagram ? Effect.scoped(Effect.flatMap(Udp.open({ family: "inet" }), (u) => u.sendto(new Uint8Array([1, 2, 3]), "127.0.0.1", udpPort))) : Effect.succeed(0)
              ))
              const r = yield* interrupting(op.method, op.delay, udp.receivefrom(), () => udp.waitingReceives > 0)
              tally(r)
              yield* Fiber.join(peer)
              check(leftOn(udp) === 0, `${label}: UDP receive waiter left`)
            }))
          case "whole": {
            // connect, accept and receive in one scope, interrupted wherever the delay falls
            let stage: "start" | "connect" | "accept" | "receive" | "done" = "start"
            let current: Tcp.TcpSocket | undefined
            const whole = Effect.scoped(Effect.gen(function*() {
              stage = "connect"
              const client = yield* Tcp.connect(host, port)
              stage = "accept"
              const conn = yield* acceptOwn(client)
              current = client
              stage = "receive"
              yield* conn.send(new Uint8Array([120]))
              yield* client.receive(RB.line)
              stage = "done"
            }))
            return Effect.gen(function*() {
              const r = yield* interrupting(op.method, op.delay, whole, () =>
                stage === "accept" ? acceptWaiting(server) > 0 : stage === "receive" ? current !== undefined && receiveWaiting(current) > 0 : stage === "connect")
              tally(r)
              check(acceptWaiting(server) === 0, `${label}: accept waiter left on the server`)
            })
          }
        }
      }

      const settledCount = settledFdCount(drainOrphans, 3000)

      // warm-up: every kind of operation, so Node's lazily created internals exist
      for (let i = 0; i < warmUpOps.length; i++) yield* run(warmUpOps[i]!, -1 - i)
      const baseline = yield* settledCount
      const baselineResources = activeResources()
      const warmUpCounts = JSON.stringify(counts)
      Object.assign(counts, emptyCounts())
      bytesChecked = 0
      failures.length = 0

      const started = Date.now()
      let done = 0
      for (; done < ops.length; done++) {
        if (Date.now() - started > TIME_LIMIT_MS) break
        yield* run(ops[done]!, done)
      }
      const elapsed = Date.now() - started

      // settle: wait (max 3 s) until descriptors and handles are back at the baseline
      const sameResources = (a: Record<string, number>, b: Record<string, number>) => JSON.stringify(a) === JSON.stringify(b)
      let after = fdCount()
      let afterResources = activeResources()
      const deadline = Date.now() + 3000
      while ((after !== baseline || !sameResources(afterResources, baselineResources)) && Date.now() < deadline) {
        yield* drainOrphans
        yield* Effect.sleep("20 millis")
        after = fdCount()
        afterResources = activeResources()
      }
      const settleMs = Date.now() - (deadline - 3000)

      // the server still serves
      yield* Effect.scoped(Effect.gen(function*() {
        const { client, conn } = yield* ownPair()
        yield* client.send(Buffer.from("still serving\n"))
        expect(Buffer.from(yield* conn.receive(RB.line)).toString()).toBe("still serving")
        yield* conn.send(Buffer.from("yes"))
        yield* conn.close
        expect(Buffer.from(yield* client.receive(RB.all)).toString()).toBe("yes")
      }))

      const table = Object.entries(counts).map(([kind, c]) => `  ${kind.padEnd(8)} ${String(c.ops).padStart(6)} ops  ${String(c.interrupted).padStart(6)} interrupted  ${String(c.waiting).padStart(6)} waiting on an event when interrupted`)
      console.log([
        `interruption storm: seed ${seed}, ${done} operations in ${(elapsed / 1000).toFixed(1)} s (warm-up ${WARM_UP})`,
        ...table,
        `  total    ${done} ops  ${Object.values(counts).reduce((a, c) => a + c.interrupted, 0)} interrupted  ${Object.values(counts).reduce((a, c) => a + c.waiting, 0)} waiting`,
        `  descriptors: baseline ${baseline}, after ${after} (settled in ${settleMs} ms); active resources before ${JSON.stringify(baselineResources)}, after ${JSON.stringify(afterResources)}`,
        `  bytes checked after interrupted receives: ${bytesChecked}; unhandled rejections ${unhandledRejections}, uncaught exceptions ${uncaughtExceptions}, warnings ${warnings.length}`,
        `  server dropped ${server.droppedConnections} connections`
      ].join("\n"))
      if (process.env.STRESS_DEBUG) console.log("warm-up", warmUpCounts)

      expect(failures).toEqual([])
      expect(done, "the storm ran out of time").toBe(OPERATIONS)
      expect({ after, baseline }).toEqual({ after: baseline, baseline })
      expect(afterResources).toEqual(baselineResources)
      expect(acceptWaiting(server)).toBe(0)
      expect(tcpInternals(server).pending.length).toBe(0)
      expect(server.readyListeners).toBe(0)
      expect(unhandledRejections).toBe(0)
      expect(uncaughtExceptions).toBe(0)
      expect(warnings).toEqual([])
      expect(server.droppedConnections).toBe(0)
      // the storm really interrupted operations in flight, of every kind
      for (const [kind, c] of Object.entries(counts)) expect(c.waiting, `${kind}: ${JSON.stringify(c)}`).toBeGreaterThan(0)
    })), 90_000)
})
