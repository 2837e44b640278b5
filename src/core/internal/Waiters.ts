/**
 * Lists of fibers waiting for a socket event (data, a connection, drain), the one
 * mechanism behind every wait of the core's sockets.
 *
 * @internal
 */
import * as Effect from "effect/Effect"

/** A list of waiters; `wake` swaps it for a fresh one, hence the getter in `waitOn`. */
export type WaiterList = Array<() => void>

/**
 * Waits until `ready()`, woken through the list that `waiters()` returns. Checks
 * `ready` at registration, so an event between the caller's check and the wait is
 * not lost; interruption removes the waiter, so nothing is left behind.
 */
export const waitOn = (waiters: () => WaiterList, ready: () => boolean): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    if (ready()) {
      resume(Effect.void)
      return
    }
    const w = () => resume(Effect.void)
    waiters().push(w)
    return Effect.sync(() => {
      const list = waiters()
      const i = list.indexOf(w)
      if (i !== -1) list.splice(i, 1)
    })
  })
