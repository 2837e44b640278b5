/**
 * LuaSocket's block/total timeout policy, all of its arithmetic in one place
 * (spec/reference-semantics.md section 1, "settimeout"; LuaSocket's timeout.c).
 *
 * A policy has a `block` limit (per wait) and a `total` limit (per call); each is a
 * `Duration`, `Duration.infinity` meaning "no limit". Every wait inside one call is
 * given `budget(policy, elapsed)` where `elapsed` is measured from the start of the
 * call with Effect's `Clock`, so the whole policy runs under `TestClock` in tests.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { describe } from "./internal/describe.js"
import { InvalidArgument, type NetError } from "./NetError.js"

/** @since 0.1.0 */
export interface TimeoutPolicy {
  /** Longest single wait; `Duration.zero` = never wait, `Duration.infinity` = no limit. */
  readonly block: Duration.Duration
  /** Longest whole call; `Duration.infinity` = no limit. */
  readonly total: Duration.Duration
}

/** Both limits infinite: LuaSocket's default (-1 / -1). @since 0.1.0 */
export const infinite: TimeoutPolicy = { block: Duration.infinity, total: Duration.infinity }

/**
 * Whether `u` is a policy: an object whose `block` and `total` are `Duration`s.
 *
 * @since 0.1.0
 */
export const isPolicy = (u: unknown): u is TimeoutPolicy =>
  u === infinite ||
  (typeof u === "object" && u !== null && Duration.isDuration((u as Record<string, unknown>).block) && Duration.isDuration((u as Record<string, unknown>).total))

/**
 * The `InvalidArgument` for a policy argument (`name`) that is not a policy, or undefined when
 * it is one (or, when `optional`, is absent).
 *
 * @internal
 */
export const checkPolicy = (u: unknown, operation: string, name = "timeout policy", optional = true): InvalidArgument | undefined =>
  (optional && u === undefined) || isPolicy(u)
    ? undefined
    : new InvalidArgument({ operation, detail: `bad ${name} ${describe(u)}: expected { block, total } Durations (see Timeout.make)` })

/**
 * A policy from two `Duration` inputs (a `Duration`, milliseconds as a number, a string
 * such as `"1 second"`, ...); an absent limit is no limit: `make({ block: 0 })` never
 * waits, `make({ total: "5 seconds" })` bounds each call.
 *
 * `make` has no error channel: its arguments are code, not input. Anything outside its
 * types (limits that are not an object, a limit that is not a `Duration` input) is a
 * programmer error and **throws** an `InvalidArgument` naming the bad value (rather than
 * Duration's untyped `"Invalid DurationInput"`); check untrusted values before calling it.
 *
 * @since 0.1.0
 */
export const make = (limits: { readonly block?: Duration.DurationInput; readonly total?: Duration.DurationInput }): TimeoutPolicy => {
  if (typeof limits !== "object" || limits === null || Array.isArray(limits) || Duration.isDuration(limits)) {
    throw new InvalidArgument({ operation: "Timeout.make", detail: `bad limits ${describe(limits)}: expected { block?, total? } with Duration inputs` })
  }
  return { block: limitOf(limits.block, "block"), total: limitOf(limits.total, "total") }
}

const limitOf = (input: unknown, name: "block" | "total"): Duration.Duration => {
  if (input === undefined) return Duration.infinity
  if (Duration.isDuration(input)) return input
  const decoded = Duration.decodeUnknown(input)
  if (Option.isNone(decoded)) {
    throw new InvalidArgument({
      operation: "Timeout.make",
      detail: `bad ${name} limit ${describe(input)}: expected a Duration input (a Duration, milliseconds, or a string such as "1 second")`
    })
  }
  return decoded.value
}

/** Which limit a LuaSocket `settimeout` call sets. @since 0.1.0 */
export type Mode = "block" | "total"

/**
 * LuaSocket's mode argument: only the first character matters; `b` = block,
 * `t` or `r` = total; anything else (the empty string too, as in lua5.4 +
 * lua-socket, and any value that is not a string) is invalid (returns None); no mode
 * at all means block.
 *
 * @since 0.1.0
 */
export const parseMode = (mode: string | undefined): Option.Option<Mode> => {
  if (mode === undefined) return Option.some("block")
  if (typeof mode !== "string") return Option.none()
  switch (mode[0]) {
    case "b":
      return Option.some("block")
    case "t":
    case "r":
      return Option.some("total")
    default:
      return Option.none()
  }
}

/**
 * Seconds as LuaSocket takes them: negative, NaN or undefined = infinite. A pure
 * conversion with no error channel: a value that is not a number is infinite too, without
 * arithmetic on it (`set`, which has an error channel, refuses it).
 *
 * @since 0.1.0
 */
export const fromSeconds = (seconds: number | undefined): Duration.Duration =>
  typeof seconds !== "number" || !(seconds >= 0) || seconds === Infinity ? Duration.infinity : Duration.millis(seconds * 1000)

/**
 * Seconds as LuaSocket reports them: infinite = -1.
 *
 * @since 0.1.0
 */
export const toSeconds = (d: Duration.Duration): number =>
  Duration.isFinite(d) ? Duration.toMillis(d) / 1000 : -1

/**
 * `settimeout(value, mode)`: the policy with one limit replaced. `seconds` is a number
 * (negative or NaN: no limit) or undefined (no limit); `mode` a string whose first
 * character is `b`, `t` or `r`, or undefined (block). Anything else is an
 * `InvalidArgument` naming the value: nothing is coerced (`"5"`, `true`, `null`, `5n`).
 *
 * @since 0.1.0
 */
export const set = (policy: TimeoutPolicy, seconds: number | undefined, mode?: string): Effect.Effect<TimeoutPolicy, NetError> => {
  const parsed = parseMode(mode)
  if (Option.isNone(parsed)) {
    return Effect.fail(new InvalidArgument({ operation: "settimeout", detail: `invalid timeout mode ${describe(mode)} (use "b" for block or "t" for total)` }))
  }
  if (seconds !== undefined && typeof seconds !== "number") {
    return Effect.fail(
      new InvalidArgument({ operation: "settimeout", detail: `bad timeout ${describe(seconds)}: expected a number of seconds (negative or undefined: no limit)` })
    )
  }
  const limit = fromSeconds(seconds)
  return Effect.succeed(parsed.value === "block" ? { block: limit, total: policy.total } : { block: policy.block, total: limit })
}

const max0 = (d: Duration.Duration, elapsed: Duration.Duration): Duration.Duration =>
  Duration.greaterThan(d, elapsed) ? Duration.subtract(d, elapsed) : Duration.zero

/**
 * How long the next wait of a call may last, `elapsed` after the call started
 * (LuaSocket's `timeout_getretry`): both infinite -> infinite; total only ->
 * `max(total - elapsed, 0)`; block only -> `max(block - elapsed, 0)`;
 * both -> `min(block, max(total - elapsed, 0))`.
 *
 * @since 0.1.0
 */
export const budget = (policy: TimeoutPolicy, elapsed: Duration.Duration): Duration.Duration => {
  const blockInfinite = !Duration.isFinite(policy.block)
  const totalInfinite = !Duration.isFinite(policy.total)
  if (blockInfinite && totalInfinite) return Duration.infinity
  if (blockInfinite) return max0(policy.total, elapsed)
  if (totalInfinite) return max0(policy.block, elapsed)
  return Duration.min(policy.block, max0(policy.total, elapsed))
}

/** True when neither limit is set: waits need no clock at all. @since 0.1.0 */
export const isInfinite = (policy: TimeoutPolicy): boolean => !Duration.isFinite(policy.block) && !Duration.isFinite(policy.total)

/** True when the policy never lets a call wait (block or total is zero). @since 0.1.0 */
export const isImmediate = (policy: TimeoutPolicy): boolean => Duration.isZero(budget(policy, Duration.zero))

/** The moment a call started, in `Clock` milliseconds. @since 0.1.0 */
export type Start = number

/** @since 0.1.0 */
export const start: Effect.Effect<Start> = Clock.currentTimeMillis

/**
 * The budget of the next wait for a call that started at `startedAt`.
 *
 * @since 0.1.0
 */
export const remaining = (policy: TimeoutPolicy, startedAt: Start): Effect.Effect<Duration.Duration> =>
  isInfinite(policy) ? infiniteBudget : Effect.map(Clock.currentTimeMillis, (now) => budget(policy, Duration.millis(Math.max(0, now - startedAt))))

const infiniteBudget: Effect.Effect<Duration.Duration> = Effect.succeed(Duration.infinity)
const noStart: Effect.Effect<Start> = Effect.succeed(0)

/**
 * `start` for a call under `policy`: no clock read when the policy is infinite
 * (then `remaining` needs none either).
 *
 * @since 0.1.0
 */
export const startFor = (policy: TimeoutPolicy): Effect.Effect<Start> => (isInfinite(policy) ? noStart : start)

/**
 * Runs `wait` within `limit`: as is when infinite, `onTimeout` at once when zero,
 * otherwise raced against a `Clock` sleep (so `TestClock` drives it). Interrupting
 * the loser runs its finalizers, so a wait that times out leaves no listener behind.
 *
 * @since 0.1.0
 */
export const within = <A, E>(
  wait: Effect.Effect<A, E>,
  limit: Duration.Duration,
  onTimeout: () => E
): Effect.Effect<A, E> => {
  if (!Duration.isFinite(limit)) return wait
  if (Duration.isZero(limit)) return Effect.fail(onTimeout())
  // Not Effect.timeoutFail: in effect 3.22 a timeoutFail inside Effect.all/zip({ concurrent })
  // is not interrupted when a sibling fails; it waits out its whole duration first.
  return Effect.raceFirst(wait, Effect.flatMap(Effect.sleep(limit), () => Effect.fail(onTimeout())))
}
