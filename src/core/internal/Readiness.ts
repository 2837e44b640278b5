/**
 * The readiness listeners of one socket: who to tell when the socket may have
 * become readable or writable (data, EOF, an error, a pending connection, a
 * datagram, a drain, a connect, a close). The hook behind `Select`: a waiting
 * select registers one listener per watched socket and is woken by the socket
 * that changed, instead of polling every socket it watches.
 *
 * @internal
 */

/**
 * Listeners of one socket. Usually one select at a time watches a socket, so the
 * first listener sits in a field (no Set per socket: registering thousands of
 * sockets is a field write each); more go to a Set allocated on demand.
 */
export class Readiness {
  private first: (() => void) | undefined = undefined
  private rest: Set<() => void> | undefined = undefined

  /** Registers `listener`; returns its removal (idempotent). O(1) both ways. */
  add(listener: () => void): () => void {
    if (this.first === undefined) this.first = listener
    else (this.rest ??= new Set()).add(listener)
    return () => this.remove(listener)
  }

  private remove(listener: () => void): void {
    if (this.first === listener) this.first = undefined
    else this.rest?.delete(listener)
  }

  /** Tells every listener that the socket's state changed (two loads when nobody listens). */
  notify(): void {
    const first = this.first
    if (first !== undefined) first()
    const rest = this.rest
    if (rest !== undefined && rest.size > 0) for (const listener of rest) listener()
  }

  /** Listeners registered now. */
  get size(): number {
    return (this.first === undefined ? 0 : 1) + (this.rest?.size ?? 0)
  }
}
