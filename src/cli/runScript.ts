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
 * Where `luasock run` runs the script: in a worker thread (default: every Lua context may wait,
 * and waits are cheaper), or on the main thread with `--main-thread` or `LUASOCK_THREAD=main`
 * (no thread crossing per host call; see docs/lua.md, "Two places to run").
 *
 * @since 0.1.0
 */
export const threadOf = (mainThread: boolean, env: NodeJS.ProcessEnv = process.env): "main" | "worker" =>
  mainThread || env["LUASOCK_THREAD"] === "main" ? "main" : "worker"

/**
 * Runs `script` ("-" reads it from stdin) with `args` as `arg[1..]` and `...`; resolves to the
 * exit status.
 *
 * @since 0.1.0
 */
export const runScript = async (script: string, args: ReadonlyArray<string>, mainThread = false): Promise<number> => {
  try {
    const r = await runFile(script, {
      args,
      hosts: defaultHosts(),
      progName: "luasock",
      output: "inherit",
      stdin: "inherit",
      thread: threadOf(mainThread)
    })
    return r.exitCode
  } catch (e) {
    process.stderr.write(`luasock: ${e instanceof LuaRuntimeError ? e.message : String(e)}\n`)
    return 1
  }
}
