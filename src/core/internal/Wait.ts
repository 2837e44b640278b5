/**
 * The waits of the core's blocking calls (receive, send, accept, connect, select), with
 * LuaSocket's block/total timeout policy, at the least cost Effect allows.
 *
 * A blocking call tries `step()`; while that returns `undefined` it waits for its socket's
 * next event (a `Signal` it registers with), within the budget the policy leaves
 * (`Timeout.budget`), and tries again. The costs this avoids, per wait:
 * - **no fiber per finite wait**: under the live `Clock`, a finite budget is one `setTimeout`
 *   registered by the wait itself (cleared when the event comes or the fiber is interrupted),
 *   not a race of two fibers. Under any other `Clock` (`TestClock`) the wait races a
 *   `Clock` sleep (`Timeout.within`), so tests still drive every timeout.
 * - **one interruption hook per call, not per wait**: each wait is a bare `Effect.async` (no
 *   canceler of its own); the whole call runs under one `uninterruptibleMask` whose handler,
 *   if the call ends without a result (interruption, defect), removes the registration and
 *   the timer and calls `onAbandon` (a receive puts back the bytes it had taken).
 *
 * @internal
 */
import type * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Timeout from "../Timeout.js"

/** Something a wait registers with: `add`ed listeners are called (and dropped) when it may be ready. */
export interface Signal {
  add(listener: () => void): void
  remove(listener: () => void): void
}

/** Node's timers take at most this many milliseconds (Effect's live clock treats more as infinite). */
const MAX_TIMER_MILLIS = 2 ** 31 - 1

/** The class of Effect's live clock: only under it are timers plain `setTimeout`s. */
const LiveClock = Clock.make().constructor

/** True for Effect's live clock (its sleeps are `setTimeout`s), false for `TestClock` and any other. */
export const isLiveClock = (clock: Clock.Clock): boolean => clock.constructor === LiveClock

/** A finite limit as `setTimeout` milliseconds; undefined (no timer) beyond what Node's timers take. */
export const timerMillis = (limit: Duration.Duration): number | undefined => {
  const millis = Duration.toMillis(limit)
  return millis > MAX_TIMER_MILLIS ? undefined : millis
}

/**
 * `Effect.async` for a wait whose `register` returns a cleanup (or nothing): the cleanup
 * runs, once, only when the call ends without `register`'s callback having been called
 * (the fiber was interrupted while waiting). One mask per call and no canceler of its own:
 * cheaper than `Effect.async` with a canceler (an `onInterrupt` per wait).
 */
export const async = <A, E>(register: (resume: (effect: Effect.Effect<A, E>) => void) => (() => void) | undefined): Effect.Effect<A, E> =>
  Effect.uninterruptibleMask((restore) => {
    let cleanup: (() => void) | undefined
    let resumed = false
    const wait = Effect.async<A, E>((resume) => {
      cleanup = register((effect) => {
        resumed = true
        resume(effect)
      })
    })
    return Effect.catchAllCause(restore(wait), (cause) => {
      const c = cleanup
      cleanup = undefined
      if (!resumed && c !== undefined) c()
      return Effect.failCause(cause)
    })
  })

export interface LoopOptions<A, E> {
  /** Where the call waits. */
  readonly signal: Signal
  /** True when a wait may end at once (checked when registering: no event is lost in between). */
  readonly ready: () => boolean
  /** Tries to complete the call: the result (success or failure), or `undefined` to wait again. */
  readonly step: () => Effect.Effect<A, E> | undefined
  /** The failure when a wait's budget runs out (run in the fiber, once). */
  readonly onTimeout: () => E
  /** Called when the call ends without a result of `step` or `onTimeout` (interrupted, defect). */
  readonly onAbandon?: (() => void) | undefined
}

/**
 * Waits for `signal` within `policy` until `step` gives a result. Does not call `step`
 * first: callers try once before (and return synchronously when that succeeds).
 */
export const loop = <A, E>(policy: Timeout.TimeoutPolicy, options: LoopOptions<A, E>): Effect.Effect<A, E> => {
  if (Timeout.isInfinite(policy)) return new Waiting(options).run
  return Effect.clockWith((clock) => new Waiting(options, policy, clock).run)
}

/**
 * `loop` for a caller that already runs uninterruptibly (inside its own `uninterruptibleMask`):
 * the waits are made interruptible by the caller's `restore`, and the call adds no mask of its
 * own (two run-loop steps fewer). Same guarantees: interruption removes the registration and
 * the timer and calls `onAbandon`.
 */
export const loopWithin = <A, E>(
  restore: <X, Y, Z>(effect: Effect.Effect<X, Y, Z>) => Effect.Effect<X, Y, Z>,
  policy: Timeout.TimeoutPolicy,
  options: LoopOptions<A, E>
): Effect.Effect<A, E> => {
  if (Timeout.isInfinite(policy)) return new Waiting(options).within(restore)
  return Effect.clockWith((clock) => new Waiting(options, policy, clock).within(restore))
}

/** One blocking call: its registration, its timer and its loop. */
class Waiting<A, E> {
  /** The registered listener (`wake`), while a wait is registered. */
  private registered = false
  private timer: ReturnType<typeof setTimeout> | undefined = undefined
  /** `step` or `onTimeout` has produced the result: nothing to put back. */
  private finished = false
  /** The next wait's timer, in milliseconds (undefined: none). */
  private millis: number | undefined = undefined
  private resume: ((effect: Effect.Effect<A, E>) => void) | undefined = undefined
  private readonly startedAt: number = 0
  /** What a wait resumes its fiber with: try again (`next`), or (raced waits) nothing. */
  private readonly woken: Effect.Effect<A, E>
  /** Everything after the first attempt; restarted by `next` while `step` gives nothing. */
  private readonly loop: Effect.Effect<A, E>

  constructor(
    private readonly options: LoopOptions<A, E>,
    private readonly policy?: Timeout.TimeoutPolicy,
    private readonly clock?: Clock.Clock
  ) {
    const wait = Effect.async<A, E>((resume) => this.register(resume))
    if (clock === undefined) {
      // No limit: each wait resumes the fiber straight into the next attempt.
      this.woken = Effect.suspend(() => this.next())
      this.loop = wait
    } else {
      this.startedAt = clock.unsafeCurrentTimeMillis()
      if (isLiveClock(clock)) {
        this.woken = Effect.suspend(() => this.next())
        this.loop = Effect.suspend(() => this.timed(wait))
      } else {
        this.woken = Effect.void as Effect.Effect<never>
        this.loop = Effect.suspend(() => this.raced())
      }
    }
  }

  /** The call with its own mask (see `loop`). */
  get run(): Effect.Effect<A, E> {
    return Effect.uninterruptibleMask((restore) => this.within(restore))
  }

  /** The call, run uninterruptibly by the caller: its waits interruptible through `restore`. */
  within(restore: <X, Y, Z>(effect: Effect.Effect<X, Y, Z>) => Effect.Effect<X, Y, Z>): Effect.Effect<A, E> {
    return Effect.catchAllCause(restore(this.loop), (cause) => this.abandon(cause))
  }

  /** After a wait: the result, or the next wait. */
  private next(): Effect.Effect<A, E> {
    const result = this.options.step()
    if (result === undefined) return this.loop
    this.finished = true
    return result
  }

  private timedOut(): Effect.Effect<never, E> {
    this.finished = true
    return Effect.fail(this.options.onTimeout())
  }

  /** The budget of the next wait, or undefined when it is zero (no wait: time is up). */
  private budget(): Duration.Duration | undefined {
    const elapsed = Math.max(0, this.clock!.unsafeCurrentTimeMillis() - this.startedAt)
    const limit = Timeout.budget(this.policy!, Duration.millis(elapsed))
    return Duration.isZero(limit) ? undefined : limit
  }

  /** Live clock: the wait registers its own timer. */
  private timed(wait: Effect.Effect<A, E>): Effect.Effect<A, E> {
    const limit = this.budget()
    if (limit === undefined) return this.timedOut()
    this.millis = timerMillis(limit)
    return wait
  }

  /** Any other clock (TestClock): the wait races the clock's sleep, in a fiber of its own. */
  private raced(): Effect.Effect<A, E> {
    const limit = this.budget()
    if (limit === undefined) return this.timedOut()
    const wait = Effect.async<A, E>((resume) => {
      this.register(resume)
      return Effect.sync(() => this.clear())
    })
    return Effect.flatMap(Timeout.within(wait, limit, () => {
      this.finished = true
      return this.options.onTimeout()
    }), () => this.next())
  }

  private register(resume: (effect: Effect.Effect<A, E>) => void): void {
    if (this.options.ready()) return resume(this.woken)
    this.resume = resume
    this.registered = true
    this.options.signal.add(this.wake)
    if (this.millis !== undefined) this.timer = setTimeout(this.expire ??= () => this.onExpire(), this.millis)
  }

  /** The signal called: the socket may be ready (the signal has dropped the listener). */
  private readonly wake = (): void => {
    this.registered = false
    if (this.timer !== undefined) {
      clearTimeout(this.timer)
      this.timer = undefined
    }
    const resume = this.resume
    this.resume = undefined
    resume?.(this.woken)
  }

  /** The timer's callback (made when a first timer is set). */
  private expire: (() => void) | undefined = undefined

  /** The timer fired first. */
  private onExpire(): void {
    this.timer = undefined
    this.unregister()
    const resume = this.resume
    this.resume = undefined
    resume?.(Effect.suspend(() => this.timedOut()))
  }

  private unregister(): void {
    if (this.registered) {
      this.registered = false
      this.options.signal.remove(this.wake)
    }
  }

  private clear(): void {
    this.unregister()
    if (this.timer !== undefined) {
      clearTimeout(this.timer)
      this.timer = undefined
    }
    this.resume = undefined
  }

  /** The call ends by a failure: remove what is registered; unless a result failed, give back what was taken. */
  private abandon(cause: Cause.Cause<E>): Effect.Effect<A, E> {
    this.clear()
    if (!this.finished) {
      this.finished = true
      this.options.onAbandon?.()
    }
    return Effect.failCause(cause)
  }
}
