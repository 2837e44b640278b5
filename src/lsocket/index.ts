/**
 * `effect-luasocket/lsocket`: lsocket 1.4.1's namespace for TypeScript, derived from the
 * spec in `src/facade/lsocket.ts`.
 *
 * Conventions: every function returns the array of its Lua results (nil = `undefined`,
 * lsocket's `false` for would-block, `[undefined]` at the end of a stream, `[undefined,
 * message]` on failure); `bind`, `connect`, `select`, `resolve`, `send` and `sendto` return
 * a Promise of that array (name resolution and Node.js's listen and datagram sends are
 * asynchronous), the others answer at once. Byte strings are **binary strings** (one char
 * per byte, Node's "latin1"); `send` also takes a `Uint8Array`. Errors lsocket raises (bad
 * argument) are thrown as `LuaRaise` with lsocket's message.
 *
 * @since 0.1.0
 */
import { installMethods, namespace, tsEnv } from "../facade/derive.js"
import { LSocket, spec } from "../facade/lsocket.js"
import { binaryStrings } from "../facade/spec.js"
import type { Namespace } from "./api.generated.js"

installMethods(spec, "socket", LSocket.prototype)

/** The `lsocket` namespace. @since 0.1.0 */
export const lsocket = namespace(spec, tsEnv(binaryStrings)) as unknown as Namespace

export default lsocket
export { LuaRaise } from "../facade/spec.js"
export type * from "./api.generated.js"
