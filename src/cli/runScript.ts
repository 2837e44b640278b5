/**
 * `luasock run script.lua [args...]`: runs a Lua 5.4 script with this package's modules, like
 * `lua5.4 script.lua args...` (stdin, stdout and stderr are the process's own; the status is
 * the script's, 1 on an uncaught error).
 *
 * @since 0.1.0
 */
import { defaultHosts } from "../lua/hosts.js"
import { LuaRuntimeError, runFile } from "../lua/runtime.js"

/** Where a script runs: `"main"` (the process's main thread) or `"worker"` (a worker thread of its own). @since 0.1.0 */
export type Placement = "main" | "worker"

/**
 * Where `luasock run` runs the script: on the main thread by default (no thread crossing per
 * host call; the functions that call back into Lua and may meet a wait are yieldable Lua
 * stand-ins there), in a worker thread with `--worker` or `LUASOCK_THREAD=worker` (a call may
 * wait in every Lua context, `__gc` finalizers and `load` readers included; each host call
 * crosses threads). A flag wins over the environment; `--main-thread` is accepted too. See
 * docs/lua.md, "Two places to run".
 *
 * @since 0.1.0
 */
export const threadOf = (flag: Placement | undefined, env: NodeJS.ProcessEnv = process.env): Placement =>
  flag ?? (env["LUASOCK_THREAD"] === "worker" ? "worker" : "main")

/**
 * Runs `script` ("-" reads it from stdin) with `args` as `arg[1..]` and `...`; resolves to the
 * exit status.
 *
 * @since 0.1.0
 */
export const runScript = async (script: string, args: ReadonlyArray<string>, placement?: Placement): Promise<number> => {
  try {
    const r = await runFile(script, {
      args,
      hosts: defaultHosts(),
      progName: "luasock",
      output: "inherit",
      stdin: "inherit",
      thread: threadOf(placement)
    })
    return r.exitCode
  } catch (e) {
    process.stderr.write(`luasock: ${e instanceof LuaRuntimeError ? e.message : String(e)}\n`)
    return 1
  }
}
