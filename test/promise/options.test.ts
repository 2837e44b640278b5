/**
 * The Promise API's pure pieces: receive pattern and timeout decoding, against
 * independent models, with fast-check.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Either, FastCheck as fc } from "effect"
import * as NetError from "../../src/core/NetError.js"
import * as ReadBuffer from "../../src/core/ReadBuffer.js"
import { decodeLimit, decodePattern, decodeTimeout } from "../../src/promise/index.js"

/** The model: what each input should decode to, or "invalid". */
const modelPattern = (u: unknown): ReadBuffer.Pattern | "invalid" => {
  if (u === "line" || u === "*l") return { _tag: "Line" }
  if (u === "all" || u === "*a") return { _tag: "All" }
  if (u === "available") return { _tag: "Available", max: undefined }
  if (typeof u === "number") return Number.isInteger(u) && u >= 0 && u <= Number.MAX_SAFE_INTEGER ? { _tag: "Exactly", count: u } : "invalid"
  return "invalid"
}

const patternInput = fc.oneof(
  fc.constantFrom("line", "*l", "all", "*a", "available", "*L", "l", "a", "*line", "", "Line", " line"),
  fc.string(),
  fc.integer({ min: -5, max: 1 << 20 }),
  fc.double(),
  fc.constantFrom(Infinity, -0, NaN, 2 ** 53, 1.5),
  fc.constantFrom(null, undefined, true, [], {}, 10n)
)

describe("decodePattern", () => {
  it.prop("strings, numbers and other values decode as the model says; bad ones are InvalidArgument naming the value", [patternInput], ([input]) => {
    const got = decodePattern(input)
    const want = modelPattern(input)
    if (want === "invalid") {
      expect(Either.isLeft(got)).toBe(true)
      const e = Either.getLeft(got).pipe((o) => (o._tag === "Some" ? o.value : undefined))!
      expect(e).toBeInstanceOf(NetError.InvalidArgument)
      expect(e.operation).toBe("receive")
      expect(e.message).toContain("invalid receive pattern")
    } else {
      expect(Either.getOrThrow(got)).toEqual(want)
    }
  }, { fastCheck: { numRuns: 500 } })

  it.prop("core patterns pass through when well-formed", [
    fc.oneof(
      fc.record({ _tag: fc.constant("Exactly" as const), count: fc.integer({ min: -3, max: 100 }) }),
      fc.record({ _tag: fc.constant("Line" as const), maxLength: fc.option(fc.integer({ min: -3, max: 100 }), { nil: undefined }) }),
      fc.record({ _tag: fc.constant("Available" as const), max: fc.option(fc.integer({ min: -3, max: 100 }), { nil: undefined }) }),
      fc.constant({ _tag: "All" as const }),
      fc.record({ _tag: fc.constantFrom("Other", "line", "") })
    )
  ], ([p]) => {
    const got = decodePattern(p)
    const ok = p._tag === "All" ||
      (p._tag === "Exactly" && (p as { count: number }).count >= 0) ||
      (p._tag === "Line" && ((p as { maxLength?: number }).maxLength ?? 0) >= 0) ||
      (p._tag === "Available" && ((p as { max?: number }).max ?? 1) >= 1)
    expect(Either.isRight(got)).toBe(ok)
    if (ok) expect(Either.getOrThrow(got)).toBe(p)
  })

  it("the LuaSocket spellings give the core's shared patterns (its allocation-free paths)", () => {
    expect(Either.getOrThrow(decodePattern("*l"))).toBe(ReadBuffer.line)
    expect(Either.getOrThrow(decodePattern("line"))).toBe(ReadBuffer.line)
    expect(Either.getOrThrow(decodePattern("*a"))).toBe(ReadBuffer.all)
  })
})

/** Seconds as the model reads them: negative, NaN, Infinity = no limit. */
const modelSeconds = (s: number): Duration.Duration => (Number.isNaN(s) || s < 0 || s === Infinity ? Duration.infinity : Duration.millis(s * 1000))

const seconds = fc.oneof(fc.double({ min: -10, max: 1e6, noNaN: false }), fc.integer({ min: -10, max: 1000 }), fc.constantFrom(0, -1, Infinity, -Infinity, NaN))
const durationLike = fc.oneof(
  fc.integer({ min: 0, max: 10_000 }).map((n) => [`${n} millis`, Duration.millis(n)] as const),
  fc.integer({ min: 0, max: 100 }).map((n) => [`${n} seconds`, Duration.seconds(n)] as const),
  fc.integer({ min: 0, max: 10_000 }).map((n) => [Duration.millis(n), Duration.millis(n)] as const),
  fc.bigInt({ min: 0n, max: 10n ** 12n }).map((n) => [n, Duration.nanos(n)] as const),
  fc.tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 999_999_999 })).map(([s, ns]) => [[s, ns] as const, Duration.nanos(BigInt(s) * 1_000_000_000n + BigInt(ns))] as const)
)

describe("decodeLimit / decodeTimeout", () => {
  it.prop("a number is LuaSocket seconds", [seconds], ([s]) => {
    expect(Duration.equals(Either.getOrThrow(decodeLimit(s)), modelSeconds(s))).toBe(true)
  }, { fastCheck: { numRuns: 300 } })

  it.prop("a Duration input is Effect's", [durationLike], ([[input, want]]) => {
    expect(Duration.equals(Either.getOrThrow(decodeLimit(input)), want)).toBe(true)
  })

  it.prop("one limit is the total of the call; an object sets block and/or total", [
    fc.option(seconds, { nil: undefined }),
    fc.option(seconds, { nil: undefined }),
    seconds
  ], ([block, total, single]) => {
    const one = Either.getOrThrow(decodeTimeout(single))!
    expect(Duration.equals(one.total, modelSeconds(single))).toBe(true)
    expect(Duration.isFinite(one.block)).toBe(false)
    const both = Either.getOrThrow(decodeTimeout({ ...(block !== undefined ? { block } : {}), ...(total !== undefined ? { total } : {}) }))!
    expect(Duration.equals(both.block, block === undefined ? Duration.infinity : modelSeconds(block))).toBe(true)
    expect(Duration.equals(both.total, total === undefined ? Duration.infinity : modelSeconds(total))).toBe(true)
  }, { fastCheck: { numRuns: 300 } })

  it.prop("anything else is InvalidArgument", [
    fc.oneof(fc.string().filter((s) => !/^-?\d+(\.\d+)?\s+\w+$/.test(s)), fc.constantFrom(null, true, { blok: 1 }, { block: "x" }, { total: null }, () => 1))
  ], ([bad]) => {
    const got = decodeTimeout(bad)
    expect(Either.isLeft(got)).toBe(true)
    expect(Either.getLeft(got).pipe((o) => (o._tag === "Some" ? o.value : undefined))).toBeInstanceOf(NetError.InvalidArgument)
  })

  it("undefined is the socket's own policy; a core policy passes as it is", () => {
    expect(Either.getOrThrow(decodeTimeout(undefined))).toBeUndefined()
    const policy = { block: Duration.seconds(1), total: Duration.infinity }
    expect(Either.getOrThrow(decodeTimeout(policy))).toEqual(policy)
  })
})
