/**
 * Fibers waiting for a socket event (data, a connection, drain), the one mechanism
 * behind every wait of the core's sockets.
 *
 * @internal
 */
import * as Effect from "effect/Effect"

export class WaiterList {
  private list: Array<() => void> = []

  /** How many fibers wait now. */
  get length(): number {
    return this.list.length
  }

  /**
   * Waits until `ready()`, woken by `wakeAll`. Checks `ready` at registration, so an
   * event between the caller's check and the wait is not lost; interruption removes
   * the waiter, so nothing is left behind.
   */
  wait(ready: () => boolean): Effect.Effect<void> {
    return Effect.async<void>((resume) => {
      if (ready()) {
        resume(Effect.void)
        return
      }
      const w = () => resume(Effect.void)
      this.list.push(w)
      return Effect.sync(() => {
        const i = this.list.indexOf(w)
        if (i !== -1) this.list.splice(i, 1)
      })
    })
  }

  /** Wakes every waiting fiber (each re-checks what it waits for). */
  wakeAll(): void {
    if (this.list.length === 0) return
    const ws = this.list
    this.list = []
    for (const w of ws) w()
  }
}
