/**
 * Property tests of the timeout policy against a plain-number model of LuaSocket's
 * timeout.c (spec/reference-semantics.md section 1, "settimeout").
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Exit, FastCheck as fc, Fiber, Option, TestClock } from "effect"
import * as NetError from "../../src/core/NetError.js"
import { SocketBase } from "../../src/core/internal/SocketBase.js"
import * as Timeout from "../../src/core/Timeout.js"

// ---- the model: numbers, -1 = infinite (LuaSocket's own representation) ---------

/** LuaSocket's timeout_getretry, with `elapsed` measured from the start of the call. */
const modelBudget = (block: number, total: number, elapsed: number): number => {
  if (block < 0 && total < 0) return -1
  if (block < 0) return Math.max(total - elapsed, 0)
  if (total < 0) return Math.max(block - elapsed, 0)
  return Math.min(block, Math.max(total - elapsed, 0))
}

/** LuaSocket's settimeout mode: first character only; `b` block, `t`/`r` total; "" is invalid (lua5.4 + lua-socket). */
const modelMode = (mode: string | undefined): "block" | "total" | "invalid" => {
  if (mode === undefined) return "block"
  const c = mode[0]
  return c === "b" ? "block" : c === "t" || c === "r" ? "total" : "invalid"
}

/** Seconds as LuaSocket takes them: negative, NaN, undefined (and +inf) = infinite = -1. */
const modelSeconds = (s: number | undefined): number => (s === undefined || !(s >= 0) || s === Infinity ? -1 : s)

const toDuration = (ms: number): Duration.Duration => (ms < 0 ? Duration.infinity : Duration.millis(ms))
const fromDuration = (d: Duration.Duration): number => (Duration.isFinite(d) ? Duration.toMillis(d) : -1)

// ---- arbitraries --------------------------------------------------------------

/** A limit in milliseconds, or -1 (infinite); zero is frequent on purpose. */
const limitMs = fc.oneof(
  { weight: 2, arbitrary: fc.constant(-1) },
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 10_000_000 }) }
)
const elapsedMs = fc.integer({ min: 0, max: 20_000_000 })

/** Seconds as a user may pass them to settimeout. */
const seconds = fc.oneof(
  fc.constant(undefined),
  fc.constant(Number.NaN),
  fc.constant(Infinity),
  fc.constant(-Infinity),
  fc.constant(0),
  fc.constant(-0),
  fc.integer({ min: -1000, max: 1000 }),
  fc.double({ min: -1000, max: 1000, noNaN: true })
)

describe("Timeout.budget", () => {
  it.prop("equals timeout_getretry for integer milliseconds", [limitMs, limitMs, elapsedMs], ([block, total, elapsed]) => {
    const policy: Timeout.TimeoutPolicy = { block: toDuration(block), total: toDuration(total) }
    expect(fromDuration(Timeout.budget(policy, Duration.millis(elapsed)))).toBe(modelBudget(block, total, elapsed))
  }, { fastCheck: { numRuns: 300 } })

  it.prop(
    "equals timeout_getretry for fractional milliseconds",
    [
      fc.oneof(fc.constant(-1), fc.double({ min: 0, max: 1e6, noNaN: true })),
      fc.oneof(fc.constant(-1), fc.double({ min: 0, max: 1e6, noNaN: true })),
      fc.double({ min: 0, max: 2e6, noNaN: true })
    ],
    ([block, total, elapsed]) => {
      const policy: Timeout.TimeoutPolicy = { block: toDuration(block), total: toDuration(total) }
      const got = fromDuration(Timeout.budget(policy, Duration.millis(elapsed)))
      const want = modelBudget(block, total, elapsed)
      if (want === -1) expect(got).toBe(-1)
      else expect(got).toBeCloseTo(want, 5)
    },
    { fastCheck: { numRuns: 300 } }
  )

  it.prop("is never more than block and never more than what is left of total", [limitMs, limitMs, elapsedMs], ([block, total, elapsed]) => {
    const got = fromDuration(Timeout.budget({ block: toDuration(block), total: toDuration(total) }, Duration.millis(elapsed)))
    if (block >= 0) expect(got).toBeGreaterThanOrEqual(0)
    if (block >= 0) expect(got).toBeLessThanOrEqual(block)
    if (total >= 0) expect(got).toBeLessThanOrEqual(Math.max(total - elapsed, 0))
    expect(Timeout.isImmediate({ block: toDuration(block), total: toDuration(total) })).toBe(modelBudget(block, total, 0) === 0)
  }, { fastCheck: { numRuns: 200 } })

  it("examples from LuaSocket", () => {
    const b = (block: number, total: number, elapsed: number) =>
      fromDuration(Timeout.budget({ block: toDuration(block), total: toDuration(total) }, Duration.millis(elapsed)))
    expect(b(-1, -1, 5)).toBe(-1)
    expect(b(-1, 100, 30)).toBe(70)
    expect(b(-1, 100, 130)).toBe(0)
    expect(b(50, -1, 30)).toBe(20)
    expect(b(50, -1, 80)).toBe(0)
    expect(b(50, 100, 30)).toBe(50)
    expect(b(50, 100, 70)).toBe(30)
    expect(b(0, -1, 0)).toBe(0)
    expect(Timeout.isImmediate(Timeout.infinite)).toBe(false)
  })
})

describe("Timeout.parseMode", () => {
  const modeString = fc.oneof(
    fc.string(),
    fc.string().map((s) => "b" + s),
    fc.string().map((s) => "t" + s),
    fc.string().map((s) => "r" + s),
    fc.constantFrom("B", "T", "R", " b", "x", "block", "total", "return")
  )

  it.prop("only the first character matters", [fc.option(modeString, { nil: undefined })], ([mode]) => {
    const got = Timeout.parseMode(mode)
    const want = modelMode(mode)
    if (want === "invalid") expect(Option.isNone(got)).toBe(true)
    else expect(got).toStrictEqual(Option.some(want))
  }, { fastCheck: { numRuns: 300 } })

  it("examples", () => {
    expect(Timeout.parseMode(undefined)).toStrictEqual(Option.some("block"))
    expect(Option.isNone(Timeout.parseMode(""))).toBe(true) // lua-socket: "invalid timeout mode"
    expect(Timeout.parseMode("b")).toStrictEqual(Option.some("block"))
    expect(Timeout.parseMode("total")).toStrictEqual(Option.some("total"))
    expect(Timeout.parseMode("r")).toStrictEqual(Option.some("total"))
    expect(Option.isNone(Timeout.parseMode("B"))).toBe(true)
    expect(Option.isNone(Timeout.parseMode("x"))).toBe(true)
  })
})

describe("Timeout.fromSeconds / toSeconds", () => {
  it.prop("negative, NaN and undefined are infinite (-1); others round-trip", [seconds], ([s]) => {
    const want = modelSeconds(s)
    const d = Timeout.fromSeconds(s)
    expect(Duration.isFinite(d)).toBe(want !== -1)
    if (want === -1) expect(Timeout.toSeconds(d)).toBe(-1)
    else expect(Timeout.toSeconds(d)).toBeCloseTo(want, 8)
  }, { fastCheck: { numRuns: 300 } })

  it("examples", () => {
    expect(Timeout.toSeconds(Timeout.fromSeconds(1.5))).toBe(1.5)
    expect(Timeout.toSeconds(Timeout.fromSeconds(0))).toBe(0)
    expect(Duration.isZero(Timeout.fromSeconds(0))).toBe(true)
    expect(Timeout.toSeconds(Timeout.fromSeconds(-0.001))).toBe(-1)
    expect(Timeout.toSeconds(Timeout.fromSeconds(undefined))).toBe(-1)
    expect(Timeout.toSeconds(Timeout.fromSeconds(Number.NaN))).toBe(-1)
    expect(Timeout.toSeconds(Duration.infinity)).toBe(-1)
    expect(Timeout.toSeconds(Duration.seconds(2))).toBe(2)
  })
})

describe("Timeout.set", () => {
  const policyArb = fc.record({ block: limitMs, total: limitMs })

  it.prop(
    "replaces exactly the limit the mode names, or fails with InvalidArgument naming the mode",
    [policyArb, seconds, fc.option(fc.oneof(fc.constantFrom("b", "t", "r", "bx", "tr", "", "x", "B", "?"), fc.string()), { nil: undefined })],
    ([limits, s, mode]) => {
      const policy: Timeout.TimeoutPolicy = { block: toDuration(limits.block), total: toDuration(limits.total) }
      const exit = Effect.runSyncExit(Timeout.set(policy, s, mode))
      const which = modelMode(mode)
      if (which === "invalid") {
        expect(Exit.isFailure(exit)).toBe(true)
        if (Exit.isFailure(exit)) {
          const error = exit.cause._tag === "Fail" ? exit.cause.error : undefined
          expect(error?._tag).toBe("InvalidArgument")
          expect(error?.message).toContain(JSON.stringify(mode))
        }
        return
      }
      expect(Exit.isSuccess(exit)).toBe(true)
      if (!Exit.isSuccess(exit)) return
      const next = exit.value
      const limit = modelSeconds(s)
      const wantBlock = which === "block" ? limit : limits.block / 1000
      const wantTotal = which === "total" ? limit : limits.total / 1000
      const gotBlock = Timeout.toSeconds(next.block)
      const gotTotal = Timeout.toSeconds(next.total)
      if (wantBlock < 0) expect(gotBlock).toBe(-1)
      else expect(gotBlock).toBeCloseTo(wantBlock, 8)
      if (wantTotal < 0) expect(gotTotal).toBe(-1)
      else expect(gotTotal).toBeCloseTo(wantTotal, 8)
    },
    { fastCheck: { numRuns: 300 } }
  )

  it.prop(
    "policies built with settimeout give LuaSocket's budgets (in seconds)",
    [fc.option(fc.integer({ min: -5, max: 5000 }), { nil: undefined }), fc.option(fc.integer({ min: -5, max: 5000 }), { nil: undefined }), fc.integer({ min: 0, max: 10_000 })],
    ([blockMs, totalMs, elapsed]) => {
      const toSec = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000)
      const policy = Effect.runSync(
        Effect.flatMap(Timeout.set(Timeout.infinite, toSec(blockMs), "b"), (p) => Timeout.set(p, toSec(totalMs), "t"))
      )
      const model = modelBudget(modelSeconds(toSec(blockMs)), modelSeconds(toSec(totalMs)), elapsed / 1000)
      const got = Timeout.budget(policy, Duration.millis(elapsed))
      if (model === -1) expect(Duration.isFinite(got)).toBe(false)
      else expect(Duration.toMillis(got) / 1000).toBeCloseTo(model, 8)
    },
    { fastCheck: { numRuns: 200 } }
  )
})

// ---- values outside the types (untyped callers) ------------------------------------------------------

/** Anything that is not undefined and not of `type`, the nasty cases included. */
const notA = (type: "number" | "string") =>
  fc.oneof(fc.anything({ withBigInt: true, withNullPrototype: true, withBoxedValues: true }), fc.constantFrom<unknown>(null, 5n, Symbol("s"), Object.create(null), true, {}, [], () => 1, new Number(1), new String("b")))
    .filter((u) => u !== undefined && typeof u !== type)

describe("Timeout: values outside the types", () => {
  it.prop("parseMode: a mode that is not a string is invalid (None), never a throw", [notA("string")], ([mode]) => {
    expect(Option.isNone(Timeout.parseMode(mode as never))).toBe(true)
  })

  it.prop("fromSeconds: seconds that are not a number are infinite, never a throw", [notA("number")], ([s]) => {
    expect(Duration.isFinite(Timeout.fromSeconds(s as never))).toBe(false)
  })

  it.prop(
    "set: seconds that are not a number, or a mode that is not a string, fail with InvalidArgument naming them; nothing is coerced",
    [fc.oneof(fc.tuple(notA("number"), fc.constantFrom<unknown>(undefined, "b", "t")), fc.tuple(fc.constantFrom<unknown>(undefined, 1, -1), notA("string")))],
    ([[seconds, mode]]) => {
      const exit = Effect.runSyncExit(Timeout.set(Timeout.infinite, seconds as never, mode as never))
      expect(Exit.isFailure(exit)).toBe(true)
      if (Exit.isSuccess(exit) || exit.cause._tag !== "Fail") return
      const error = exit.cause.error
      expect(error._tag).toBe("InvalidArgument")
      expect(error.message).toMatch(typeof mode === "string" || mode === undefined ? /settimeout: .*bad timeout / : /settimeout: .*invalid timeout mode /)
    },
    { fastCheck: { numRuns: 300 } }
  )

  it("set: examples of what used to be coerced", () => {
    const message = (seconds: unknown, mode?: unknown) =>
      Effect.runSync(Effect.flip(Timeout.set(Timeout.infinite, seconds as never, mode as never))).message
    expect(message("5")).toContain('bad timeout "5"')
    expect(message(true)).toContain("bad timeout true")
    expect(message({})).toContain("bad timeout an object")
    expect(message(null)).toContain("bad timeout null")
    expect(message(5n, "t")).toContain("bad timeout 5n")
    expect(message(1, null)).toContain("invalid timeout mode null")
    expect(message(1, 5n)).toContain("invalid timeout mode 5n")
    expect(message(1, Symbol("m"))).toContain("invalid timeout mode Symbol(m)")
  })

  it("make: limits outside the types throw an InvalidArgument naming them (a programmer error); Duration inputs do not", () => {
    const thrown = (limits: unknown): NetError.NetError => {
      try {
        Timeout.make(limits as never)
      } catch (e) {
        if (NetError.isNetError(e)) return e
        throw e
      }
      throw new Error(`Timeout.make(${String(limits)}) did not throw`)
    }
    expect(thrown({ block: "soon" }).message).toBe('Timeout.make: invalid argument: bad block limit "soon": expected a Duration input (a Duration, milliseconds, or a string such as "1 second")')
    expect(thrown({ total: Symbol("t") }).message).toContain("bad total limit Symbol(t)")
    expect(thrown({ block: 1, total: null }).message).toContain("bad total limit null")
    expect(thrown(undefined).message).toContain("bad limits undefined")
    expect(thrown(null).message).toContain("bad limits null")
    expect(thrown("1 second").message).toContain('bad limits "1 second"')
    expect(thrown(Duration.seconds(1)).message).toContain("bad limits")
    expect(thrown(undefined)._tag).toBe("InvalidArgument")
    expect(Timeout.make({})).toStrictEqual(Timeout.infinite)
    expect(Timeout.make({ block: 0 })).toStrictEqual({ block: Duration.zero, total: Duration.infinity })
    expect(Timeout.make({ block: "20 millis", total: 5n })).toStrictEqual({ block: Duration.millis(20), total: Duration.nanos(5n) })
    expect(Duration.toMillis(Timeout.make({ total: [1, 0] }).total)).toBe(1000)
    expect(Timeout.make({ block: Duration.infinity, total: -5 })).toStrictEqual({ block: Duration.infinity, total: Duration.zero })
  })
})

describe("settimeout on a socket (SocketBase)", () => {
  class Socket extends SocketBase {
    get className() {
      return "test{socket}"
    }
  }

  it.effect("is lazy: it changes the policy the socket has when it runs, not the one it had when built", () =>
    Effect.gen(function*() {
      const s = new Socket()
      const setBlock = s.setTimeout(1)
      const setTotal = s.setTimeout(2, "t")
      yield* setBlock
      yield* setTotal
      expect(s.getTimeout()).toStrictEqual({ block: 1, total: 2 })
    }))

  it.effect("bad arguments fail typed, never throw, and leave the policy as it was", () =>
    Effect.gen(function*() {
      const s = new Socket()
      yield* s.setTimeout(3, "b")
      for (const [seconds, mode] of [[1, null], [5n, "b"], [Symbol("s"), undefined], ["5", undefined], [1, Object.create(null)]] as const) {
        const made = s.setTimeout(seconds as never, mode as never) // building it does not throw
        const error = yield* Effect.flip(made)
        expect(error._tag).toBe("InvalidArgument")
      }
      expect(s.getTimeout()).toStrictEqual({ block: 3, total: -1 })
    }))
})

describe("Timeout.within (TestClock)", () => {
  it.effect.prop(
    "times out exactly at the limit, not a millisecond before",
    [fc.integer({ min: 1, max: 100_000 })],
    ([ms]) =>
      Effect.gen(function*() {
        const fiber = yield* Effect.fork(Timeout.within(Effect.never, Duration.millis(ms), () => "timeout" as const))
        yield* TestClock.adjust(Duration.millis(ms - 1))
        expect(fiber.unsafePoll()).toBeNull()
        yield* TestClock.adjust(Duration.millis(1))
        const exit = yield* Fiber.await(fiber)
        expect(exit).toStrictEqual(Exit.fail("timeout"))
      }),
    { fastCheck: { numRuns: 50 } }
  )

  it.effect("a wait that finishes before the limit wins", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(
        Timeout.within(Effect.as(Effect.sleep("400 millis"), "done" as const), Duration.seconds(1), () => "timeout" as const)
      )
      yield* TestClock.adjust("400 millis")
      expect(yield* Fiber.join(fiber)).toBe("done")
    }))

  it.effect("a zero limit fails at once without running the wait; infinite runs the wait as is", () =>
    Effect.gen(function*() {
      let ran = false
      const exit = yield* Effect.exit(Timeout.within(Effect.sync(() => (ran = true)), Duration.zero, () => "timeout" as const))
      expect(exit).toStrictEqual(Exit.fail("timeout"))
      expect(ran).toBe(false)
      const fiber = yield* Effect.fork(Timeout.within(Effect.as(Effect.sleep("1000 days"), 1), Duration.infinity, () => "timeout" as const))
      yield* TestClock.adjust("999 days")
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 day")
      expect(yield* Fiber.join(fiber)).toBe(1)
    }))

  it.effect.prop(
    "startFor + remaining give timeout_getretry after any elapsed time (TestClock)",
    [limitMs, limitMs, fc.integer({ min: 0, max: 20_000 })],
    ([block, total, elapsed]) =>
      Effect.gen(function*() {
        const policy: Timeout.TimeoutPolicy = { block: toDuration(block), total: toDuration(total) }
        expect(Timeout.isInfinite(policy)).toBe(block < 0 && total < 0)
        const startedAt = yield* Timeout.startFor(policy)
        yield* TestClock.adjust(Duration.millis(elapsed))
        expect(fromDuration(yield* Timeout.remaining(policy, startedAt))).toBe(modelBudget(block, total, elapsed))
      }),
    { fastCheck: { numRuns: 50 } }
  )

  it.effect("remaining measures elapsed time from the start of the call", () =>
    Effect.gen(function*() {
      const policy = Timeout.make({ block: "300 millis", total: "1 second" })
      const startedAt = yield* Timeout.start
      expect(Duration.toMillis(yield* Timeout.remaining(policy, startedAt))).toBe(300)
      yield* TestClock.adjust("800 millis")
      expect(Duration.toMillis(yield* Timeout.remaining(policy, startedAt))).toBe(200)
      yield* TestClock.adjust("500 millis")
      expect(Duration.toMillis(yield* Timeout.remaining(policy, startedAt))).toBe(0)
    }))
})
