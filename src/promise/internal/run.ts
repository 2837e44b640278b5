/**
 * The one bridge from the core's Effects to Promises: every Promise API method that
 * waits delegates to `run`.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import type * as Scope from "effect/Scope"
import * as ScopeModule from "effect/Scope"

/** What an aborted call rejects with: the signal's reason, or an `AbortError` when it has none. */
export const abortReason = (signal: AbortSignal): unknown =>
  signal.reason !== undefined ? signal.reason : new DOMException("This operation was aborted", "AbortError")

/**
 * The error a failed exit rejects with: the failure value itself (a `NetError`, the same
 * object the core produced, not a FiberFailure wrapper), a defect as it was thrown, or,
 * for an interruption caused by `signal`, the signal's reason.
 */
const errorOf = (cause: Cause.Cause<unknown>, signal: AbortSignal | undefined): unknown => {
  if (signal !== undefined && signal.aborted && Cause.isInterruptedOnly(cause)) return abortReason(signal)
  return Cause.squash(cause)
}

const settle = <A>(exit: Exit.Exit<A, unknown>, signal: AbortSignal | undefined): Promise<A> =>
  Exit.isSuccess(exit) ? Promise.resolve(exit.value) : Promise.reject(errorOf(exit.cause, signal))

/**
 * Starts `effect` in a fiber that runs synchronously up to its first real wait: the
 * exit when it already finished (data was buffered, a write went out directly), else
 * the fiber.
 */
export const start = <A, E>(effect: Effect.Effect<A, E>): Exit.Exit<A, E> | Fiber.RuntimeFiber<A, E> => {
  // already an Exit (a core op started at once, as `TcpSocket.sendStarted`, that finished): no fiber
  if (Exit.isExit(effect)) return effect as Exit.Exit<A, E>
  const fiber = Effect.runFork(effect)
  return fiber.unsafePoll() ?? fiber
}

/**
 * The Promise of a started fiber. Aborting `signal` interrupts the fiber: the core's
 * interruption cleanup (listeners, timers, descriptors, bytes put back into the receive
 * buffer) runs before the Promise rejects with the signal's reason.
 */
export const promiseOf = <A, E>(started: Exit.Exit<A, E> | Fiber.RuntimeFiber<A, E>, signal: AbortSignal | undefined): Promise<A> => {
  if (Exit.isExit(started)) return settle(started, signal)
  const fiber = started
  return new Promise<A>((resolve, reject) => {
    const onAbort = () => fiber.unsafeInterruptAsFork(FiberId.none)
    signal?.addEventListener("abort", onAbort, { once: true })
    fiber.addObserver((exit) => {
      signal?.removeEventListener("abort", onAbort)
      if (Exit.isSuccess(exit)) resolve(exit.value)
      else reject(errorOf(exit.cause, signal))
    })
  })
}

/**
 * Runs `effect` and settles with its result (see `start` and `promiseOf`). An already
 * aborted `signal` rejects at once, without running anything.
 */
export const run = <A, E>(effect: Effect.Effect<A, E>, signal?: AbortSignal): Promise<A> => {
  if (signal !== undefined && signal.aborted) return Promise.reject(abortReason(signal))
  return promiseOf(start(effect), signal)
}

/** Runs a synchronous core Effect (options, shutdown, open): its value, or throws its error as is. */
export const runSync = <A, E>(effect: Effect.Effect<A, E>): A => {
  const exit = Effect.runSyncExit(effect)
  if (Exit.isSuccess(exit)) return exit.value
  throw Cause.squash(exit.cause)
}

/** The right value, or throws the left (a NetError) as is. */
export const orThrow = <A, E>(either: Either.Either<A, E>): A => {
  if (Either.isRight(either)) return either.right
  throw either.left
}

/**
 * Acquires a scoped core resource (a socket from `Tcp.listen`, `accept`, `Udp.bind`)
 * for a caller that owns it from then on and closes it itself: the scope is closed only
 * when the acquisition fails or is interrupted, so nothing half-acquired stays open,
 * and is dropped on success.
 */
export const acquireOwned = <A, E>(acquire: Effect.Effect<A, E, Scope.Scope>): Effect.Effect<A, E> =>
  Effect.flatMap(ScopeModule.make(), (scope) =>
    Effect.onExit(ScopeModule.extend(acquire, scope), (exit) => (Exit.isFailure(exit) ? ScopeModule.close(scope, exit) : Effect.void)))
