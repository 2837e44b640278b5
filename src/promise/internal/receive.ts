/**
 * One receive on a core stream socket as a Promise: `receiveReady` (core/internal), with
 * the Promise API's `run` as the fallback and an AbortSignal.
 *
 * @internal
 */
import type { Pattern } from "../../core/ReadBuffer.js"
import { receiveReady, type Receiver } from "../../core/internal/receiveReady.js"
import type * as Timeout from "../../core/Timeout.js"
import { abortReason, run } from "./run.js"

export type { Receiver }

export const receive = (
  socket: Receiver,
  pattern: Pattern,
  prefix: Uint8Array | undefined,
  policy: Timeout.TimeoutPolicy | undefined,
  signal: AbortSignal | undefined
): Promise<Uint8Array> => {
  if (signal !== undefined && signal.aborted) return Promise.reject(abortReason(signal))
  const r = receiveReady(socket, pattern, prefix, policy, () => run(socket.receive(pattern, prefix, policy), signal))
  if (r instanceof Uint8Array) return Promise.resolve(r)
  if (!("promise" in r)) return Promise.reject(r)
  if (signal === undefined || r.viaFallback) return r.promise
  return new Promise<Uint8Array>((resolve, reject) => {
    const onAbort = () => {
      r.cancel()
      reject(abortReason(signal))
    }
    signal.addEventListener("abort", onAbort, { once: true })
    r.promise.then(
      (v) => {
        signal.removeEventListener("abort", onAbort)
        resolve(v)
      },
      (e) => {
        signal.removeEventListener("abort", onAbort)
        reject(e)
      }
    )
  })
}
