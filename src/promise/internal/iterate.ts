/**
 * A socket's receives as an async iterator: each `next()` is one `receive` by the
 * pattern, taken synchronously with `receivePoll` when the buffer already holds it (no
 * Effect, no fiber), else one waiting `receive`. Only what is handed out is consumed:
 * breaking out of a loop leaves every later byte in the socket's buffer.
 *
 * @internal
 */
import { isNetError, type NetError } from "../../core/NetError.js"
import type { Pattern } from "../../core/ReadBuffer.js"
import type { TimeoutPolicy } from "../../core/Timeout.js"
import { type Receiver, receive } from "./receive.js"

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined }

/**
 * The end of the iteration, as opposed to its failure: `Closed` without a reset code
 * (the peer's orderly close, or a local close), as the core's `Streams` decide. A reset
 * may have lost data, so it fails the iteration.
 */
const isOrderlyEnd = (e: NetError): boolean => e._tag === "Closed" && e.code !== "ECONNRESET" && e.code !== "ECONNABORTED"

export class ReceiveIterator<B> implements AsyncIterableIterator<B> {
  private finished = false
  private pending: Promise<IteratorResult<B>> | undefined
  /** Aborted by `return()` and by the caller's signal: interrupts a receive in flight. */
  private readonly controller = new AbortController()
  private readonly unlink: (() => void) | undefined

  constructor(
    private readonly socket: Receiver,
    private readonly pattern: Pattern,
    private readonly policy: TimeoutPolicy | undefined,
    private readonly map: (bytes: Uint8Array) => B,
    signal: AbortSignal | undefined
  ) {
    if (signal !== undefined) {
      const forward = () => this.controller.abort(signal.reason)
      if (signal.aborted) forward()
      else {
        signal.addEventListener("abort", forward, { once: true })
        this.unlink = () => signal.removeEventListener("abort", forward)
      }
    }
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  next(): Promise<IteratorResult<B>> {
    if (this.finished) return Promise.resolve(DONE)
    // Calls made while a receive is in flight wait for it (the protocol allows them).
    if (this.pending !== undefined) return this.pending.then(() => this.next(), () => this.next())
    if (!this.controller.signal.aborted) {
      const now = this.socket.receivePoll(this.pattern)
      if (now instanceof Uint8Array) return Promise.resolve({ done: false, value: this.map(now) })
      if (now !== undefined) return this.settleEnd(now)
    }
    const pending = receive(this.socket, this.pattern, undefined, this.policy, this.controller.signal).then(
      (bytes): IteratorResult<B> => {
        this.pending = undefined
        return { done: false, value: this.map(bytes) }
      },
      (error: unknown) => {
        this.pending = undefined
        // return() interrupted the receive: the iteration just ends.
        if (this.finished) return DONE
        return this.settleEnd(error)
      }
    )
    this.pending = pending
    return pending
  }

  return(): Promise<IteratorResult<B>> {
    this.finish()
    this.controller.abort()
    return Promise.resolve(DONE)
  }

  /** The iteration ends (an orderly close: what was left unterminated comes last) or fails. */
  private settleEnd(error: unknown): Promise<IteratorResult<B>> {
    this.finish()
    if (isNetError(error) && isOrderlyEnd(error)) {
      const rest = error.partial
      return Promise.resolve(rest !== undefined && rest.length > 0 ? { done: false, value: this.map(rest) } : DONE)
    }
    return Promise.reject(error)
  }

  private finish(): void {
    if (this.finished) return
    this.finished = true
    this.unlink?.()
  }
}
