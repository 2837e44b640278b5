/**
 * `effect-luasocket/luasocket`: LuaSocket's `socket` namespace for TypeScript, derived
 * from the spec in `src/facade/luasocket.ts`.
 *
 * Conventions: every function returns the array of its Lua results (nil = `undefined`,
 * always LuaSocket's arity, e.g. `receive` gives `[data, undefined, undefined]` or
 * `[undefined, err, partial]`); functions that can wait return a Promise of that array.
 * Byte strings are **binary strings**: one char per byte (0..255), as Node's "latin1"
 * encoding; `send` also takes a `Uint8Array`, and a string with a char above `\xFF`
 * raises rather than being silently re-encoded. Errors LuaSocket raises (bad argument,
 * invalid pattern, wrong class) are thrown as `LuaRaise` with LuaSocket's message.
 *
 * @since 0.1.0
 */
import { installMethods, namespace, tsEnv } from "../facade/derive.js"
import { LuaTcp, LuaUdp, spec } from "../facade/luasocket.js"
import { binaryStrings } from "../facade/spec.js"
import type { Namespace } from "./api.generated.js"

installMethods(spec, "tcp", LuaTcp.prototype)
installMethods(spec, "udp", LuaUdp.prototype)

/** The `socket` namespace. @since 0.1.0 */
export const socket = namespace(spec, tsEnv(binaryStrings)) as unknown as Namespace

export default socket
export { LuaRaise } from "../facade/spec.js"
export { LuaTryError } from "../facade/luasocketExtras.js"
export type * from "./api.generated.js"
