/**
 * One receive on a core stream socket with the least machinery the case allows (shared
 * by the Promise API and the Lua-compatible facades):
 * 1. the buffered bytes satisfy the pattern (or the stream has ended): `receivePoll`,
 *    no Effect, no fiber: the result itself;
 * 2. no time limit: wait for the socket's next readiness event (`onReady`, the hook
 *    `Select` uses) and poll once more, which completes a request/response exchange
 *    whose reply arrives in one read without any fiber;
 * 3. a policy that never waits (`settimeout(0)`): `receivePollOrTimeout`, the core's
 *    answer at once (`Timeout` with the partial it consumed), no fiber;
 * 4. otherwise (a limit, or the next event did not complete the pattern): `fallback`,
 *    the caller's way of running the core's `receive` (its timeout accounting, `partial`
 *    data and high-water handling).
 * Results and errors are the core's in every case (`receivePoll` is `receive` that
 * never waits). A returned Promise rejects only with what `fallback` rejects with or
 * with a `NetError` from a poll.
 *
 * @internal
 */
import type { NetError } from "../NetError.js"
import type { Pattern } from "../ReadBuffer.js"
import type { TcpSocket } from "../Tcp.js"
import * as Timeout from "../Timeout.js"

/** What a receive needs of a socket (a `Tcp.TcpSocket` has it). */
export type Receiver = Pick<TcpSocket, "receive" | "receivePoll" | "receivePollOrTimeout" | "onReady" | "timeout">

/** A pending receive, with a way to give up waiting (the listener is removed; nothing was consumed). */
export interface PendingReceive {
  readonly promise: Promise<Uint8Array>
  readonly cancel: () => void
  /** The wait is `fallback` itself (a time limit was set), which handles its own cancellation. */
  readonly viaFallback: boolean
}

export const receiveReady = (
  socket: Receiver,
  pattern: Pattern,
  prefix: Uint8Array | undefined,
  policy: Timeout.TimeoutPolicy | undefined,
  fallback: () => Promise<Uint8Array>
): Uint8Array | NetError | PendingReceive => {
  const now = socket.receivePoll(pattern, prefix)
  if (now !== undefined) return now
  const limit = policy ?? socket.timeout
  // A policy that never waits: the core's answer ("not yet": Timeout with its partial) at once.
  if (Timeout.isImmediate(limit)) return socket.receivePollOrTimeout(pattern, prefix)
  if (policy !== undefined || !Timeout.isInfinite(socket.timeout)) return { promise: fallback(), cancel: () => {}, viaFallback: true }
  let off: () => void = () => {}
  const promise = new Promise<Uint8Array>((resolve, reject) => {
    off = socket.onReady(() => {
      // Unsubscribed first: a poll that must put bytes back notifies the socket's listeners again.
      off()
      const next = socket.receivePoll(pattern, prefix)
      if (next === undefined) fallback().then(resolve, reject)
      else if (next instanceof Uint8Array) resolve(next)
      else reject(next)
    })
  })
  return { promise, cancel: () => off(), viaFallback: false }
}
