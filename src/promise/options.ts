/**
 * What the Promise API accepts for receive patterns and timeouts, decoded to the
 * core's `ReadBuffer.Pattern` and `Timeout.TimeoutPolicy`. Pure functions: every
 * bad value is an `InvalidArgument` naming it, never a silent default.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { InvalidArgument } from "../core/NetError.js"
import * as ReadBuffer from "../core/ReadBuffer.js"
import * as Timeout from "../core/Timeout.js"

/**
 * A receive pattern:
 * - `"line"` (LuaSocket's `"*l"`): up to LF, the LF and every CR dropped;
 * - `"all"` (`"*a"`): until the peer closes;
 * - `"available"`: whatever is buffered, waiting only when nothing is;
 * - a number `n` >= 0: exactly n bytes (the prefix counting toward n);
 * - or any core `ReadBuffer.Pattern` (e.g. `ReadBuffer.lineMax(1024)`).
 *
 * @since 0.1.0
 */
export type PatternInput = "line" | "*l" | "all" | "*a" | "available" | number | ReadBuffer.Pattern

const patternTags: ReadonlySet<string> = new Set(["Line", "All", "Exactly", "Available"])

const describe = (u: unknown): string => {
  if (typeof u === "string") return JSON.stringify(u.length > 40 ? u.slice(0, 40) + "..." : u)
  if (typeof u === "bigint") return `${u}n`
  if (typeof u === "object" && u !== null) return Array.isArray(u) ? "an array" : "an object"
  return String(u)
}

const badPattern = (u: unknown, why: string) =>
  new InvalidArgument({ operation: "receive", detail: `invalid receive pattern ${describe(u)}: ${why}` })

const isCount = (n: number): boolean => Number.isSafeInteger(n) && n >= 0

/**
 * The core pattern a `PatternInput` stands for. `"line"` and `"*l"` give the core's
 * shared `ReadBuffer.line` (so the core's allocation-free receive path applies), `"all"`
 * and `"*a"` `ReadBuffer.all`.
 *
 * @since 0.1.0
 */
export const decodePattern = (input: unknown): Either.Either<ReadBuffer.Pattern, InvalidArgument> => {
  switch (input) {
    case "line":
    case "*l":
      return Either.right(ReadBuffer.line)
    case "all":
    case "*a":
      return Either.right(ReadBuffer.all)
    case "available":
      return Either.right(ReadBuffer.available())
  }
  if (typeof input === "number") {
    return isCount(input) ? Either.right(ReadBuffer.exactly(input)) : Either.left(badPattern(input, "a byte count must be an integer >= 0"))
  }
  if (typeof input === "string") return Either.left(badPattern(input, `use "line" ("*l"), "all" ("*a"), "available" or a byte count`))
  if (typeof input === "object" && input !== null && typeof (input as { _tag?: unknown })._tag === "string" && patternTags.has((input as { _tag: string })._tag)) {
    const p = input as ReadBuffer.Pattern
    if (p._tag === "Exactly" && !(typeof p.count === "number" && isCount(p.count))) return Either.left(badPattern(input, "Exactly needs an integer count >= 0"))
    if (p._tag === "Line" && p.maxLength !== undefined && !(typeof p.maxLength === "number" && isCount(p.maxLength))) {
      return Either.left(badPattern(input, "Line needs an integer maxLength >= 0"))
    }
    if (p._tag === "Available" && p.max !== undefined && !(typeof p.max === "number" && Number.isSafeInteger(p.max) && p.max >= 1)) {
      return Either.left(badPattern(input, "Available needs an integer max >= 1"))
    }
    return Either.right(p)
  }
  return Either.left(badPattern(input, "expected a string, a byte count or a ReadBuffer pattern"))
}

/**
 * One time limit: a number is **seconds** (LuaSocket's convention: `1.5`; negative or
 * NaN = no limit, `0` = do not wait); anything else is an Effect `Duration` input
 * (`Duration.seconds(2)`, `"250 millis"`, `[1, 0]`, a bigint of nanoseconds).
 *
 * @since 0.1.0
 */
export type Limit = number | Exclude<Duration.DurationInput, number>

/**
 * The `timeout` option of a call: one `Limit` for the whole call (LuaSocket's total
 * mode), or `{ block?, total? }` for LuaSocket's two limits (a core
 * `Timeout.TimeoutPolicy` is one).
 *
 * @since 0.1.0
 */
export type TimeoutInput = Limit | { readonly block?: Limit | undefined; readonly total?: Limit | undefined }

const badTimeout = (u: unknown, why: string) =>
  new InvalidArgument({ operation: "timeout", detail: `invalid timeout ${describe(u)}: ${why}` })

/**
 * A `Limit` as a `Duration` (`Duration.infinity` = no limit).
 *
 * @since 0.1.0
 */
export const decodeLimit = (input: unknown): Either.Either<Duration.Duration, InvalidArgument> => {
  if (typeof input === "number") return Either.right(Timeout.fromSeconds(input))
  if (typeof input === "object" && input !== null && !Array.isArray(input) && !Duration.isDuration(input)) {
    return Either.left(badTimeout(input, "expected seconds, a Duration or a duration string"))
  }
  return Option.match(Duration.decodeUnknown(input), {
    onNone: () => Either.left(badTimeout(input, "expected seconds, a Duration, a bigint of nanoseconds, [seconds, nanos] or a string such as \"2 seconds\"")),
    onSome: Either.right
  })
}

/**
 * The core policy of a `timeout` option: a single limit is the `total` of the call
 * (`block` infinite); `{ block, total }` sets either or both; `undefined` is
 * `undefined` (the socket's own policy applies).
 *
 * @since 0.1.0
 */
export const decodeTimeout = (input: unknown): Either.Either<Timeout.TimeoutPolicy | undefined, InvalidArgument> => {
  if (input === undefined) return Either.right(undefined)
  if (typeof input === "object" && input !== null && !Array.isArray(input) && !Duration.isDuration(input)) {
    const { block, total } = input as { block?: unknown; total?: unknown }
    const extra = Object.keys(input).filter((k) => k !== "block" && k !== "total")
    if (extra.length > 0) return Either.left(badTimeout(input, `unknown key ${JSON.stringify(extra[0])} (use block and/or total)`))
    const b = block === undefined ? Either.right(Duration.infinity) : decodeLimit(block)
    if (Either.isLeft(b)) return Either.left(b.left)
    const t = total === undefined ? Either.right(Duration.infinity) : decodeLimit(total)
    if (Either.isLeft(t)) return Either.left(t.left)
    return Either.right({ block: b.right, total: t.right })
  }
  return Either.map(decodeLimit(input), (total) => ({ block: Duration.infinity, total }))
}
