/**
 * `luasock run script.lua [args...]`: runs a Lua 5.4 script with this package's modules, like
 * `lua5.4 script.lua args...` (stdin, stdout and stderr are the process's own; the status is
 * the script's, 1 on an uncaught error).
 *
 * @since 0.1.0
 */
import { defaultHosts } from "../lua/hosts.js"
import { LuaRuntimeError, runFile } from "../lua/runtime.js"

/**
 * Where `luasock run` runs the script: on the main thread (default: no thread crossing per
 * host call), or in a worker thread with `--threads` or `LUASOCK_THREAD=worker` (every Lua
 * context may wait there; see docs/lua.md).
 *
 * @since 0.1.0
 */
export const threadOf = (threads: boolean, env: NodeJS.ProcessEnv = process.env): "main" | "worker" =>
  threads || env["LUASOCK_THREAD"] === "worker" ? "worker" : "main"

/**
 * Runs `script` ("-" reads it from stdin) with `args` as `arg[1..]` and `...`; resolves to the
 * exit status.
 *
 * @since 0.1.0
 */
export const runScript = async (script: string, args: ReadonlyArray<string>, threads = false): Promise<number> => {
  try {
    const r = await runFile(script, {
      args,
      hosts: defaultHosts(),
      progName: "luasock",
      output: "inherit",
      stdin: "inherit",
      thread: threadOf(threads)
    })
    return r.exitCode
  } catch (e) {
    process.stderr.write(`luasock: ${e instanceof LuaRuntimeError ? e.message : String(e)}\n`)
    return 1
  }
}
