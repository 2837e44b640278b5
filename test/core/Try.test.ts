/**
 * The laws of try / newtry / protect stated in src/core/Try.ts (spec/reference-semantics.md
 * section 1, "try / newtry / protect"), property-tested. Expected behaviours were read
 * from lua5.4 + lua-socket 3.1.0 (e.g. `protect(function() return try(false) end)()` is
 * `nil, nil`; `try(0, "x")` and `try("", "x")` succeed; a finalizer's own error escapes
 * protect, a try inside a finalizer is caught by it).
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Chunk, Deferred, Duration, Effect, Either, Exit, Fiber, FastCheck as fc, Ref, TestClock } from "effect"
import * as NetError from "../../src/core/NetError.js"
import * as Try from "../../src/core/Try.js"

// ---- what an effect did, in plain data ----------------------------------------------

type Outcome =
  | { readonly _tag: "Success"; readonly value: unknown }
  | { readonly _tag: "Failure"; readonly failures: ReadonlyArray<unknown>; readonly defects: ReadonlyArray<unknown>; readonly interrupted: boolean }

const plain = (u: unknown): unknown => (Try.isTryFailure(u) ? { tryFailure: plain(u.error) } : u)

const outcome = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<Outcome, never, R> =>
  Effect.map(Effect.exit(self), (exit) =>
    Exit.match(exit, {
      onSuccess: (value): Outcome => ({ _tag: "Success", value: Either.isEither(value) ? Either.match(value, { onLeft: (l) => ({ left: plain(l) }), onRight: (r) => ({ right: r }) }) : value }),
      onFailure: (cause): Outcome => ({
        _tag: "Failure",
        failures: Chunk.toArray(Cause.failures(cause)).map(plain),
        defects: Chunk.toArray(Cause.defects(cause)),
        interrupted: Cause.isInterrupted(cause)
      })
    }))

const failedWith = (...failures: ReadonlyArray<unknown>): Outcome => ({ _tag: "Failure", failures: failures.map(plain), defects: [], interrupted: false })
const diedWith = (defect: unknown): Outcome => ({ _tag: "Failure", failures: [], defects: [defect], interrupted: false })

/** A finalizer that counts its runs and logs them. */
const counting = Effect.gen(function*() {
  const log = yield* Ref.make<ReadonlyArray<string>>([])
  const fin = Ref.update(log, (l) => [...l, "fin"])
  const runs = Effect.map(Ref.get(log), (l) => l.filter((x) => x === "fin").length)
  return { log, fin, runs }
})

// ---- arbitraries --------------------------------------------------------------------

const falsy = fc.constantFrom(undefined, null, false)
/** Lua's true values, 0 and "" included. */
const truthy = fc.oneof(fc.constantFrom(0, "", true, 1.5, "x"), fc.anything().filter(Try.isTruthy))
const rest = fc.array(fc.anything(), { maxLength: 4 })
const netError = fc.constantFrom<NetError.NetErrorTag>("Timeout", "Closed", "ConnectionRefused", "HostNotFound")
  .map((tag) => NetError.make(tag, { operation: "receive" }))
/** An error value: what LuaSocket functions return as `err` (strings, nil) or a typed error. */
const errorValue = fc.oneof(fc.string(), fc.integer(), fc.constant(undefined), netError)
/** An effect of every kind protect / attempt must handle, with what it is. */
const anEffect = fc.oneof(
  fc.anything().map((a) => ({ kind: "succeed" as const, value: a, effect: Effect.succeed(a) as Effect.Effect<unknown, unknown> })),
  errorValue.map((e) => ({ kind: "fail" as const, value: e, effect: Effect.fail(e) as Effect.Effect<unknown, unknown> })),
  errorValue.map((e) => ({ kind: "try" as const, value: e, effect: Effect.fail(new Try.TryFailure({ error: e })) as Effect.Effect<unknown, unknown> })),
  fc.string().map((d) => ({ kind: "die" as const, value: d, effect: Effect.die(d) as Effect.Effect<unknown, unknown> }))
)

/** The laws are synchronous: each sample runs with runSync, not a test runtime of its own. */
const numRuns = { fastCheck: { numRuns: 200 } }

// ---- the laws -----------------------------------------------------------------------

describe("Try.try over result tuples", () => {
  it.prop("law 1: a truthy first value returns every value, the same ones", [truthy, rest], ([v, vs]) =>
    Effect.runSync(Effect.gen(function*() {
      const out = yield* Try.try(v, ...vs)
      expect(out.length).toBe(1 + vs.length)
      expect([v, ...vs].every((x, i) => Object.is(x, out[i]))).toBe(true)
    })), numRuns)

  it.prop("law 2: a falsy first value fails with TryFailure(second value)", [falsy, errorValue, rest], ([v, e, vs]) =>
    Effect.runSync(Effect.gen(function*() {
      expect(yield* outcome(Try.try(v, e, ...vs))).toStrictEqual(failedWith(new Try.TryFailure({ error: e })))
      const f = yield* Effect.flip(Try.try(v, e, ...vs))
      expect(f.error).toBe(e)
      expect(f._tag).toBe("TryFailure")
    })), numRuns)

  it.effect("as lua5.4: 0 and \"\" are true, try() and try(false) fail with nil", () =>
    Effect.gen(function*() {
      expect(yield* Try.try(0, "x")).toStrictEqual([0, "x"])
      expect(yield* Try.try("", "x")).toStrictEqual(["", "x"])
      expect(yield* Try.protect(Try.try())).toStrictEqual(Either.left(undefined))
      expect(yield* Try.protect(Try.try(false))).toStrictEqual(Either.left(undefined))
      expect(yield* Try.protect(Try.try(null, "boom", 3))).toStrictEqual(Either.left("boom"))
    }))

  it.prop(
    "a TryFailure's message is a sentence whatever the error value (a bigint, a symbol, a null-prototype object...)",
    [fc.oneof(fc.anything({ withBigInt: true, withNullPrototype: true, withBoxedValues: true }), fc.constantFrom<unknown>(Symbol("e"), Object.create(null), 5n, { toString: 5 }, Object.assign(new Error("x"), { message: Symbol("m") })))],
    ([e]) => {
      const message = new Try.TryFailure({ error: e }).message
      expect(message.startsWith("try failed (catch it with Try.protect): ")).toBe(true)
    },
    numRuns
  )

  it("the message shows an Error's message, a string as it is, anything else named", () => {
    const message = (error: unknown) => new Try.TryFailure({ error }).message.replace("try failed (catch it with Try.protect): ", "")
    expect(message("closed")).toBe("closed")
    expect(message(undefined)).toBe("no error value (nil)")
    expect(message(new Error("boom"))).toBe("boom")
    expect(message(NetError.make("Timeout", { operation: "receive" }))).toBe("receive: timed out")
    expect(message(42)).toBe("42")
    expect(message(5n)).toBe("5n")
    expect(message(Symbol("e"))).toBe("Symbol(e)")
    expect(message(Object.create(null))).toBe("an object")
    expect(message({ a: 1 })).toBe("an object")
  })

  it.effect("types: a result tuple's value is narrowed, its error typed", () =>
    Effect.gen(function*() {
      const receive = (ok: boolean): readonly [string | undefined, "timeout" | undefined] => (ok ? ["line", undefined] : [undefined, "timeout"])
      const [line] = yield* Try.try(...receive(true))
      const s: string = line
      expect(s).toBe("line")
      const caught = yield* Try.protect(Try.try(...receive(false)))
      const e: Either.Either<unknown, "timeout" | undefined> = caught
      expect(e).toStrictEqual(Either.left("timeout"))
    }))
})

describe("Try.newtry", () => {
  it.prop("law 3: the finalizer runs once per failed try, before it fails, and never on success", [fc.array(fc.tuple(fc.boolean(), errorValue), { maxLength: 12 })], ([calls]) =>
    Effect.runSync(Effect.gen(function*() {
      const { fin, log, runs } = yield* counting
      const tryWith = Try.newtry(fin)
      for (const [ok, e] of calls) {
        const r = yield* Try.protect(Effect.tapError(tryWith(ok ? "value" : undefined, e), () => Ref.update(log, (l) => [...l, "failed"])))
        expect(Either.isRight(r)).toBe(ok)
      }
      expect(yield* runs).toBe(calls.filter(([ok]) => !ok).length)
      // every "fin" is followed by its "failed": the finalizer ran before the failure
      expect((yield* Ref.get(log)).join(",")).toBe(calls.filter(([ok]) => !ok).map(() => "fin,failed").join(","))
    })), numRuns)

  it.prop("law 3 for attempt: once per failure of the effect; not on success, defects or inner try failures", [anEffect], ([x]) =>
    Effect.runSync(Effect.gen(function*() {
      const { fin, runs } = yield* counting
      yield* Effect.exit(Try.newtry(fin).attempt(x.effect))
      expect(yield* runs).toBe(x.kind === "fail" ? 1 : 0)
    })), numRuns)

  it.effect("a failing finalizer's failure is the result, and protect lets it through", () =>
    Effect.gen(function*() {
      const broken = Try.newtry(Effect.fail("fin failed"))
      expect(yield* outcome(broken(undefined, "e"))).toStrictEqual(failedWith("fin failed"))
      expect(yield* outcome(Try.protect(broken(undefined, "e")))).toStrictEqual(failedWith("fin failed"))
      expect(yield* broken(1)).toStrictEqual([1])
      // lua5.4: a try inside the finalizer raises a try error, which protect catches
      const tryingFinalizer = Try.newtry(Try.try(undefined, "from fin"))
      expect(yield* Try.protect(tryingFinalizer(undefined, "e"))).toStrictEqual(Either.left("from fin"))
    }))

  it.effect("the finalizer is not interrupted once it has started", () =>
    Effect.gen(function*() {
      const started = yield* Deferred.make<void>()
      const done = yield* Ref.make(false)
      const slow = Effect.zipRight(Deferred.succeed(started, undefined), Effect.zipRight(Effect.sleep(Duration.seconds(1)), Ref.set(done, true)))
      const fiber = yield* Effect.fork(Try.newtry(slow)(undefined, "e"))
      yield* Deferred.await(started)
      const interrupting = yield* Effect.fork(Fiber.interrupt(fiber))
      yield* TestClock.adjust(Duration.seconds(1))
      yield* Fiber.join(interrupting)
      expect(yield* Ref.get(done)).toBe(true)
    }))

  it.effect("LuaSocket's example: the finalizer closes what the protected function opened", () =>
    Effect.gen(function*() {
      const closed = yield* Ref.make(0)
      const session = Effect.gen(function*() {
        const tryClosing = Try.newtry(Ref.update(closed, (n) => n + 1))
        yield* tryClosing(5, undefined) // send ok
        yield* tryClosing.attempt(Effect.fail(new NetError.Closed({ operation: "receive" })))
        return "unreachable"
      })
      const r = yield* Try.protect(session)
      expect(Either.isLeft(r) && NetError.isNetError(r.left) && NetError.luaMessage(r.left)).toBe("closed")
      expect(yield* Ref.get(closed)).toBe(1)
    }))
})

describe("Try.attempt", () => {
  it.prop("law 4: succeed passes, failures become TryFailure, try failures and defects pass unchanged", [anEffect], ([x]) =>
    Effect.runSync(Effect.gen(function*() {
      const got = yield* outcome(Try.attempt(x.effect))
      switch (x.kind) {
        case "succeed":
          expect(got).toStrictEqual({ _tag: "Success", value: x.value })
          break
        case "fail":
          expect(got).toStrictEqual(failedWith(new Try.TryFailure({ error: x.value })))
          break
        case "try":
          expect(got).toStrictEqual(failedWith(new Try.TryFailure({ error: x.value })))
          break
        case "die":
          expect(got).toStrictEqual(diedWith(x.value))
          break
      }
    })), numRuns)

  it.prop("law 4: attempt(attempt(x)) = attempt(x)", [anEffect], ([x]) =>
    Effect.runSync(Effect.gen(function*() {
      expect(yield* outcome(Try.attempt(Try.attempt(x.effect)))).toStrictEqual(yield* outcome(Try.attempt(x.effect)))
    })), numRuns)

  it.effect("the TryFailure keeps the NetError itself", () =>
    Effect.gen(function*() {
      const timeout = new NetError.Timeout({ operation: "receive", partial: new Uint8Array([1]) })
      const f = yield* Effect.flip(Try.attempt(Effect.fail(timeout)))
      expect(f.error).toBe(timeout)
      expect(f.message).toContain("receive: timed out")
    }))
})

describe("Try.protect", () => {
  it.prop("law 5: success -> right, try failure -> left, other failures and defects unchanged", [anEffect], ([x]) =>
    Effect.runSync(Effect.gen(function*() {
      const got = yield* outcome(Try.protect(x.effect))
      switch (x.kind) {
        case "succeed":
          expect(got).toStrictEqual({ _tag: "Success", value: { right: x.value } })
          break
        case "try":
          expect(got).toStrictEqual({ _tag: "Success", value: { left: plain(x.value) } })
          break
        case "fail":
          expect(got).toStrictEqual(failedWith(x.value))
          break
        case "die":
          expect(got).toStrictEqual(diedWith(x.value))
          break
      }
    })), numRuns)

  it.effect("law 5: interruption passes through", () =>
    Effect.gen(function*() {
      const got = yield* outcome(Try.protect(Effect.interrupt))
      expect(got._tag === "Failure" && got.interrupted).toBe(true)
      const fiber = yield* Effect.fork(Try.protect(Effect.never))
      const exit = yield* Fiber.interrupt(fiber)
      expect(Exit.isInterrupted(exit)).toBe(true)
    }))

  it.prop("law 6: protect(attempt(x)) = either(x)", [anEffect.filter((x) => x.kind !== "try")], ([x]) =>
    Effect.runSync(Effect.gen(function*() {
      expect(yield* outcome(Try.protect(Try.attempt(x.effect)))).toStrictEqual(yield* outcome(Effect.either(x.effect)))
    })), numRuns)

  it.prop("law 7: protect(protect(x)) = map(protect(x), right)", [anEffect], ([x]) =>
    Effect.runSync(Effect.gen(function*() {
      const twice = yield* outcome(Try.protect(Try.protect(x.effect)))
      const once = yield* outcome(Effect.map(Try.protect(x.effect), Either.right))
      expect(twice).toStrictEqual(once)
    })), numRuns)

  it.effect("as lua5.4: the innermost protect catches; protectFunction protects every call", () =>
    Effect.gen(function*() {
      expect(yield* Try.protect(Try.protect(Try.try(undefined, "in")))).toStrictEqual(Either.right(Either.left("in")))
      const f = Try.protectFunction((n: number) => Try.try(n > 0 ? n : undefined, n > 0 ? "no" : `bad ${n}`))
      expect(yield* f(1)).toStrictEqual(Either.right([1, "no"]))
      expect(yield* f(-1)).toStrictEqual(Either.left("bad -1"))
    }))
})
