/**
 * LuaSocket's `try` / `newtry` / `protect` (spec/reference-semantics.md section 1,
 * "try / newtry / protect") as typed errors.
 *
 * In LuaSocket `try(ok, err, ...)` returns all its arguments when `ok` is truthy, and
 * otherwise calls the finalizer and raises `err` wrapped so that `protect` can tell it
 * from other errors; `protect(f)` turns only those wrapped errors into `nil, err` and
 * re-raises everything else unchanged. Here the wrapped error is a `TryFailure` in the
 * error channel, and `protect` turns it into a value: `Either.left(err)`, with the
 * effect's success as `Either.right(value)` (a Lua facade prints them as `nil, err` and
 * `value...`). Other failures, defects and interruptions pass through `protect` as they
 * are, as Lua errors pass through LuaSocket's.
 *
 * Two ways in:
 * - value level, over LuaSocket-style result tuples: `yield* Try.try(value, err, ...)`;
 *   "truthy" is Lua's: anything but `undefined`, `null` and `false` (`0` and `""` are true).
 * - effect level: `yield* Try.attempt(effect)` turns the effect's failure `e` into
 *   `TryFailure(e)` (a `NetError`, typically).
 * `Try.newtry(finalizer)` gives a `try` (with its own `attempt`) that runs `finalizer`
 * once, uninterruptibly, before each failure it raises. As in LuaSocket the finalizer is
 * not protected: if it fails, that failure is the result (a `TryFailure` from a `try`
 * inside the finalizer is then caught by `protect` like any other).
 *
 * Laws (property-tested in test/core/Try.test.ts; `~` = same Exit, `fin` = a finalizer):
 * 1. `try(...vs) ~ succeed(vs)` when `vs[0]` is truthy: `try` is the identity on success.
 * 2. `try(v, e, ...rest) ~ fail(TryFailure(e))` when `v` is falsy (`try()` fails with
 *    `TryFailure(undefined)`).
 * 3. `newtry(fin)(...vs)` runs `fin` zero times when `vs[0]` is truthy and exactly once,
 *    before failing, otherwise; the same for `newtry(fin).attempt(x)` and `x`'s failures.
 *    If `fin` fails with `f`, the result is `fail(f)`.
 * 4. `attempt(succeed(a)) ~ succeed(a)`; `attempt(fail(e)) ~ fail(TryFailure(e))` for `e`
 *    not a `TryFailure`; `attempt(fail(t)) ~ fail(t)` for a `TryFailure` `t` (raised by an
 *    inner try: this try's finalizer does not run); `attempt(die(d)) ~ die(d)` and no
 *    finalizer; `attempt(attempt(x)) ~ attempt(x)`.
 * 5. `protect(succeed(a)) ~ succeed(right(a))`;
 *    `protect(fail(TryFailure(e))) ~ succeed(left(e))`;
 *    `protect(fail(o)) ~ fail(o)` for `o` not a `TryFailure`;
 *    `protect(die(d)) ~ die(d)`; `protect(interrupt) ~ interrupt`.
 * 6. `protect(attempt(x)) ~ either(x)`: protecting an attempted effect is `Effect.either`.
 * 7. `protect(protect(x)) ~ map(protect(x), right)`: `protect` never fails with a
 *    `TryFailure`, so an outer `protect` has nothing left to catch (as nested
 *    `socket.protect` calls in Lua: the innermost one returns `nil, err`).
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Predicate from "effect/Predicate"
import { describe } from "./internal/describe.js"

/**
 * What `try` raises: the error value of the failed result (the second value of a
 * result tuple, or the failure of an attempted effect). Only `protect` catches it.
 *
 * @since 0.1.0
 */
export class TryFailure<E = unknown> extends Data.TaggedError("TryFailure")<{ readonly error: E }> {}

/** The error value for the message: an Error's message, a string as it is, anything else named (never throws). */
const describeError = (u: unknown): string => {
  if (typeof u === "string") return u
  if (u === undefined || u === null) return "no error value (nil)"
  try {
    if (u instanceof Error) {
      const message: unknown = u.message
      return typeof message === "string" ? message : describe(message)
    }
  } catch {
    // a message getter that throws, a revoked proxy: named below
  }
  return describe(u)
}

Object.defineProperty(TryFailure.prototype, "message", {
  get(this: TryFailure) {
    return `try failed (catch it with Try.protect): ${describeError(this.error)}`
  },
  configurable: true
})

/** @since 0.1.0 */
export const isTryFailure = (u: unknown): u is TryFailure<unknown> => u instanceof TryFailure

/**
 * Lua's truth: everything but `nil` (`undefined` / `null` here) and `false`.
 *
 * @since 0.1.0
 */
export const isTruthy = (u: unknown): boolean => u !== undefined && u !== null && u !== false

/** The result tuple after a successful `try`: its first value is truthy. @since 0.1.0 */
export type TrySuccess<T extends ReadonlyArray<unknown>> = T extends readonly [infer H, ...infer Rest]
  ? readonly [Exclude<H, undefined | null | false>, ...Rest]
  : T

/** The error value a failed `try` over `T` carries: the tuple's second value. @since 0.1.0 */
export type TryError<T extends ReadonlyArray<unknown>> = T extends readonly [unknown, infer E, ...Array<unknown>] ? E
  : T extends readonly [unknown?, ...Array<infer E>] ? E | undefined
  : unknown

/** What `attempt` leaves in the error channel: `TryFailure`s as they are, the rest wrapped. @since 0.1.0 */
export type Attempted<E> =
  | ([Exclude<E, TryFailure<any>>] extends [never] ? never : TryFailure<Exclude<E, TryFailure<any>>>)
  | Extract<E, TryFailure<any>>

/** The error values of the `TryFailure`s in `E`: what `protect` returns as `left`. @since 0.1.0 */
export type Caught<E> = E extends TryFailure<infer X> ? X : never

/**
 * A `try` function: call it with a result tuple, or use its `attempt` on an effect.
 *
 * @since 0.1.0
 */
export interface Try<E2 = never, R2 = never> {
  <const T extends ReadonlyArray<unknown>>(...values: T): Effect.Effect<TrySuccess<T>, TryFailure<TryError<T>> | E2, R2>
  readonly attempt: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, Attempted<E> | E2, R | R2>
}

/**
 * LuaSocket's `newtry(finalizer)`: a `try` that runs `finalizer` (uninterruptibly, as
 * Effect runs every finalizer) exactly once before each failure it raises, and never
 * when it succeeds.
 *
 * @since 0.1.0
 */
export const newtry = <E2 = never, R2 = never>(finalizer: Effect.Effect<unknown, E2, R2>): Try<E2, R2> => {
  const raise = (error: unknown) => Effect.zipRight(Effect.uninterruptible(finalizer), Effect.fail(new TryFailure({ error })))
  const tryValues = (...values: ReadonlyArray<unknown>) => (isTruthy(values[0]) ? Effect.succeed(values) : raise(values[1]))
  const attempt = <A, E, R>(self: Effect.Effect<A, E, R>) =>
    Effect.catchAll(self, (e) => (isTryFailure(e) ? Effect.fail(e) : raise(e)))
  return Object.assign(tryValues, { attempt }) as unknown as Try<E2, R2>
}

const plainTry: Try = newtry(Effect.void)

export {
  /**
   * LuaSocket's `socket.try(ok, err, ...)`: succeeds with all its arguments when the
   * first is truthy, fails with `TryFailure(err)` otherwise (`newtry` without a finalizer).
   *
   * @since 0.1.0
   */
  plainTry as try
}

/**
 * `try` at the effect level: the effect's failures become `TryFailure`s (those that
 * already are stay as they are); successes and defects pass unchanged.
 *
 * @since 0.1.0
 */
export const attempt: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, Attempted<E>, R> = plainTry.attempt

/**
 * LuaSocket's `protect`: a `TryFailure(e)` becomes the value `Either.left(e)`, a success
 * `a` becomes `Either.right(a)`; every other failure, defect and interruption passes
 * through unchanged.
 *
 * @since 0.1.0
 */
export const protect = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<Either.Either<A, Caught<E>>, Exclude<E, TryFailure<any>>, R> =>
  Effect.catchIf(
    Effect.map(self, (a): Either.Either<A, Caught<E>> => Either.right(a)),
    isTryFailure as Predicate.Refinement<E, Extract<E, TryFailure<any>>>,
    (f) => Effect.succeed(Either.left(f.error as Caught<E>))
  ) as Effect.Effect<Either.Either<A, Caught<E>>, Exclude<E, TryFailure<any>>, R>

/**
 * `socket.protect(func)`: the function with `protect` applied to every call.
 *
 * @since 0.1.0
 */
export const protectFunction = <Args extends ReadonlyArray<unknown>, A, E, R>(
  f: (...args: Args) => Effect.Effect<A, E, R>
): (...args: Args) => Effect.Effect<Either.Either<A, Caught<E>>, Exclude<E, TryFailure<any>>, R> =>
(...args) => protect(f(...args))
