/**
 * `effect-luasocket/nixio`: nixio's sockets for TypeScript (`nixio.socket`, `nixio.bind`,
 * `nixio.connect` and the `Socket` methods), derived from the spec in `src/facade/nixio.ts`.
 *
 * Conventions: every function returns the array of its Lua results (nil = `undefined`;
 * failures `[undefined, errno, message]`, `[false, 11, "Resource temporarily unavailable"]`
 * for EAGAIN); functions that can wait (sockets block by default) return a Promise of that
 * array. Byte strings are **binary strings** (one char per byte, Node's "latin1"); `send`
 * also takes a `Uint8Array`. Errors nixio raises (bad argument, `invalid socket object`)
 * are thrown as `LuaRaise` with nixio's message.
 *
 * @since 0.1.0
 */
import { installMethods, namespace, tsEnv } from "../facade/derive.js"
import { NixioSocket, spec } from "../facade/nixio.js"
import { binaryStrings } from "../facade/spec.js"
import type { Namespace } from "./api.generated.js"

installMethods(spec, "socket", NixioSocket.prototype)

/** The `nixio` namespace. @since 0.1.0 */
export const nixio = namespace(spec, tsEnv(binaryStrings)) as unknown as Namespace

export default nixio
export { LuaRaise } from "../facade/spec.js"
export type * from "./api.generated.js"
