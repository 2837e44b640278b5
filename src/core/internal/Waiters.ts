/**
 * Fibers waiting for a socket event (data, a connection, drain): the `Signal` behind
 * every wait of the core's sockets (see `Wait.loop`).
 *
 * @internal
 */
import type { Signal } from "./Wait.js"

export class WaiterList implements Signal {
  private list: Array<() => void> = []

  /** How many fibers wait now. */
  get length(): number {
    return this.list.length
  }

  /** Registers `listener` for the next `wakeAll` (which drops it). */
  add(listener: () => void): void {
    this.list.push(listener)
  }

  /** Removes `listener` if it is registered. */
  remove(listener: () => void): void {
    const list = this.list
    if (list.length === 1) {
      if (list[0] === listener) list.length = 0
      return
    }
    const i = list.indexOf(listener)
    if (i !== -1) list.splice(i, 1)
  }

  /** Wakes every waiting fiber (each re-checks what it waits for), in registration order. */
  wakeAll(): void {
    const list = this.list
    const n = list.length
    if (n === 0) return
    if (n === 1) {
      const w = list[0]!
      list.length = 0
      w()
      return
    }
    this.list = []
    for (const w of list) w()
  }
}
