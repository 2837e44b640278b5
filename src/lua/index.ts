/**
 * effect-luasocket/lua: run Lua 5.4 scripts (wasmoon, one worker thread per script) with
 * byte-exact host calls that block the script, lua5.4-like process behaviour (`arg`, stdout /
 * stderr, exit status, tracebacks) and `require` of the package's built-in modules. See
 * docs/lua.md.
 *
 * @since 0.1.0
 */
export { type HostContext, type HostFunction, type HostRegistry, type LuaArray, LuaError, type LuaRecord, type LuaValue } from "./Host.js"
export { defaultHosts } from "./hosts.js"
export { builtinLuaDir, packageRoot } from "./paths.js"
export {
  liveWorkerCount,
  type LuaScript,
  LuaRuntimeError,
  runFile,
  type RunningScript,
  type RunOptions,
  type RunResult,
  runSource,
  start
} from "./runtime.js"
export { run } from "./run.js"
