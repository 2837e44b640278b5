/**
 * Argument helpers shared by the Promise API's modules.
 *
 * @internal
 */
import type * as Timeout from "../../core/Timeout.js"
import { decodeTimeout, type TimeoutInput } from "../options.js"
import { orThrow } from "./run.js"

/** Bytes as given, or a string as UTF-8. */
export const toBytes = (data: Uint8Array | string): Uint8Array => (typeof data === "string" ? Buffer.from(data, "utf8") : data)

/** The policy of a `timeout` option (undefined: the socket's own applies), or throws `InvalidArgument`. */
export const policyOf = (timeout: TimeoutInput | undefined): Timeout.TimeoutPolicy | undefined =>
  timeout === undefined ? undefined : orThrow(decodeTimeout(timeout))

/** Calls `f`, turning a synchronous throw (a bad argument) into a rejected Promise. */
export const guarded = <A>(f: () => Promise<A>): Promise<A> => {
  try {
    return f()
  } catch (error) {
    return Promise.reject(error)
  }
}
