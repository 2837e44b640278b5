/**
 * The readiness listeners of one socket: who to tell when the socket may have
 * become readable or writable (data, EOF, an error, a pending connection, a
 * datagram, a drain, a connect, a close). The hook behind `Select`.
 *
 * Two kinds of registration:
 * - **listeners** (`add`): any function, removed by the function `add` returns
 *   (`receiveReady`, wrappers, a select that cannot use the slot);
 * - **the select slot** (`watcher`, `readEntry`, `writeEntry`): the waiting select
 *   that watches this socket writes itself and the socket's entries in its lists
 *   into these fields, a few stores per socket and per call, no closure, no Set.
 *   It is never removed one socket at a time: a select that ends marks itself
 *   finished (`live = false`, one store for all its sockets), and a finished
 *   watcher left in a slot counts for nothing (`size`), is dropped by the next
 *   `notify` and overwritten by the next select.
 *
 * @internal
 */

/** What a select puts in a socket's slot. */
export interface Watcher {
  /** False once the select has ended: the slot is then free. */
  readonly live: boolean
  /** The socket whose slot holds this watcher may have become ready. */
  signal(readiness: Readiness): void
}

/** What `add(probe)` returns: a sign that the socket's `onReady` is this Readiness's `add`. */
const probed = (): void => {}
/** The Readiness `add(probe)` was last called on (see `readinessOf`). */
let lastProbed: Readiness | undefined = undefined

/** The listener `readinessOf` passes to `onReady`: never kept, never called by a Readiness. */
export const probe = (): void => {}

/**
 * The Readiness behind `onReady`, when `onReady(listener)` is exactly `Readiness.add(listener)`
 * of one socket (a core socket, or a wrapper that forwards `onReady` and adds no event source of
 * its own); undefined otherwise (after removing what the call registered).
 */
export const readinessOf = (onReady: (listener: () => void) => () => void, self: unknown): Readiness | undefined => {
  lastProbed = undefined
  const off = onReady.call(self, probe)
  const found = lastProbed
  lastProbed = undefined
  if (off === probed && found !== undefined) return found
  if (typeof off === "function") off()
  return undefined
}

/**
 * Listeners of one socket. Usually one listener at a time, so the first sits in a
 * field (no Set per socket); more go to a Set allocated on demand.
 */
export class Readiness {
  private first: (() => void) | undefined = undefined
  private rest: Set<() => void> | undefined = undefined
  /** The select slot: the select watching this socket (maybe finished), and this socket's entries in its lists (-1: none). */
  watcher: Watcher | undefined = undefined
  readEntry = -1
  writeEntry = -1
  /** Select's pass number when this socket was last put in a result list (see `Select`). */
  mark = 0

  /** Registers `listener`; returns its removal (idempotent). O(1) both ways. */
  add(listener: () => void): () => void {
    if (listener === probe) {
      lastProbed = this
      return probed
    }
    if (this.first === undefined) this.first = listener
    else (this.rest ??= new Set()).add(listener)
    return () => this.remove(listener)
  }

  private remove(listener: () => void): void {
    if (this.first === listener) this.first = undefined
    else this.rest?.delete(listener)
  }

  /** Tells every listener that the socket's state changed (three loads when nobody listens). */
  notify(): void {
    const watcher = this.watcher
    if (watcher !== undefined) {
      if (watcher.live) watcher.signal(this)
      else this.watcher = undefined
    }
    const first = this.first
    if (first !== undefined) first()
    const rest = this.rest
    if (rest !== undefined && rest.size > 0) for (const listener of rest) listener()
  }

  /** Registrations in effect now: the listeners, and the slot while its select waits. */
  get size(): number {
    return (this.first === undefined ? 0 : 1) + (this.rest?.size ?? 0) + (this.watcher?.live === true ? 1 : 0)
  }
}
