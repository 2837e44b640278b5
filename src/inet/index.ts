/**
 * `effect-luasocket/inet`: lunatik's `socket.inet` for TypeScript, derived from the spec
 * in `src/facade/inet.ts`.
 *
 * Conventions: every function returns the array of its Lua results (`inet.tcp()` gives
 * `[sock]`, `sock.getsockname()` gives `[ip, port]`, `bind` / `connect` / `listen` / `close`
 * give `[]`); functions that can wait return a Promise of that array. Failures are thrown:
 * a `LuaRaise` whose `message` is the errno name lunatik raises (`"ECONNREFUSED"`,
 * `"EAGAIN"`, ...), or lunatik's argument error. Byte strings are binary strings (one char
 * per byte); `send` also takes a `Uint8Array`.
 *
 * Lua's `inet()` (the class table's `__call`) is the `inet` export called as a function:
 * `inet(inet.sock.STREAM)`; `inet.__call` is the same function. Lunatik's `net` module
 * (`net.aton` / `net.ntoa`) is `inet.net`, also exported as `net`.
 *
 * @since 0.1.0
 */
import { installMethods, namespace, tsEnv } from "../facade/derive.js"
import { InetSocket, InetTcp, InetUdp, spec } from "../facade/inet.js"
import { binaryStrings } from "../facade/spec.js"
import type { Namespace } from "./api.generated.js"

installMethods(spec, "tcp", InetTcp.prototype)
installMethods(spec, "udp", InetUdp.prototype)
installMethods(spec, "socket", InetSocket.prototype)

const ns = namespace(spec, tsEnv(binaryStrings)) as unknown as Namespace

/** The `socket.inet` namespace, callable as Lua's `inet(type[, proto])`. @since 0.1.0 */
export type Inet = Namespace & Namespace["__call"]

/** The `socket.inet` namespace. @since 0.1.0 */
export const inet: Inet = Object.assign((...args: Parameters<Namespace["__call"]>) => ns.__call(...args), ns)

/** Lunatik's `net` module: `aton` / `ntoa`. @since 0.1.0 */
export const net: Namespace["net"] = ns.net

export default inet
export { LuaRaise } from "../facade/spec.js"
export type * from "./api.generated.js"
