/**
 * One receive on a core stream socket as a Promise, with the least machinery the case
 * allows:
 * 1. the buffered bytes satisfy the pattern (or the stream has ended): `receivePoll`,
 *    no Effect, no fiber;
 * 2. no time limit: wait for the socket's next readiness event (`onReady`, the hook
 *    `Select` uses) and poll once more, which completes a request/response exchange
 *    whose reply arrives in one read without any fiber;
 * 3. otherwise (a limit, or the next event did not complete the pattern): the core's
 *    `receive`, with its timeout accounting, `partial` data and high-water handling.
 * Results and errors are the core's in every case (`receivePoll` is `receive` that
 * never waits).
 *
 * @internal
 */
import type { Pattern } from "../../core/ReadBuffer.js"
import type { TcpSocket } from "../../core/Tcp.js"
import * as Timeout from "../../core/Timeout.js"
import { abortReason, run } from "./run.js"

/** What a receive needs of a socket (a `Tcp.TcpSocket` has it). */
export type Receiver = Pick<TcpSocket, "receive" | "receivePoll" | "onReady" | "timeout">

export const receive = (
  socket: Receiver,
  pattern: Pattern,
  prefix: Uint8Array | undefined,
  policy: Timeout.TimeoutPolicy | undefined,
  signal: AbortSignal | undefined
): Promise<Uint8Array> => {
  if (signal !== undefined && signal.aborted) return Promise.reject(abortReason(signal))
  const now = socket.receivePoll(pattern, prefix)
  if (now !== undefined) return now instanceof Uint8Array ? Promise.resolve(now) : Promise.reject(now)
  if (policy !== undefined || !Timeout.isInfinite(socket.timeout)) return run(socket.receive(pattern, prefix, policy), signal)
  return new Promise<Uint8Array>((resolve, reject) => {
    const onAbort = () => {
      off()
      reject(abortReason(signal!))
    }
    const off = socket.onReady(() => {
      // Unsubscribed first: a poll that must put bytes back notifies the socket's listeners again.
      off()
      signal?.removeEventListener("abort", onAbort)
      const next = socket.receivePoll(pattern, prefix)
      if (next === undefined) run(socket.receive(pattern, prefix), signal).then(resolve, reject)
      else if (next instanceof Uint8Array) resolve(next)
      else reject(next)
    })
    signal?.addEventListener("abort", onAbort, { once: true })
  })
}
