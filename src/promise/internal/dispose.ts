/**
 * `Symbol.dispose` / `Symbol.asyncDispose` on Node versions that lack them (20.0-20.3):
 * defined as Node 20.4+ defines them (`Symbol.for("nodejs.dispose")`,
 * `Symbol.for("nodejs.asyncDispose")`), so that `using` / `await using` and the
 * sockets' dispose methods meet under the same keys. A no-op on every Node that has them.
 *
 * @internal
 */
const symbols = Symbol as unknown as { dispose?: symbol; asyncDispose?: symbol }
if (symbols.dispose === undefined) Object.defineProperty(Symbol, "dispose", { value: Symbol.for("nodejs.dispose") })
if (symbols.asyncDispose === undefined) Object.defineProperty(Symbol, "asyncDispose", { value: Symbol.for("nodejs.asyncDispose") })

export {}
