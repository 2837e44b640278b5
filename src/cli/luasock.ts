#!/usr/bin/env node
/**
 * `luasock`: run Lua 5.4 scripts with this package's modules, like `lua5.4 script.lua args...`.
 *
 * ```
 * luasock run script.lua [args...]   run a script ("-" reads it from stdin); exit status is the script's
 * luasock --help                     this text
 * ```
 *
 * A small first version: the netcat-style `connect` / `listen` / `echo` commands come with the
 * fuller CLI later.
 *
 * @since 0.1.0
 */
import { defaultHosts } from "../lua/hosts.js"
import { LuaRuntimeError, runFile } from "../lua/runtime.js"

const usage = `usage: luasock <command> [arguments]

commands:
  run <script.lua> [args...]   run a Lua 5.4 script ("-" reads the script from stdin);
                               arg[0] is the script, arg[1..] and ... are the arguments,
                               the exit status is the script's (1 on an uncaught error)
  help, --help, -h             show this text
`

const main = async (argv: ReadonlyArray<string>): Promise<number> => {
  const [command, ...rest] = argv
  switch (command) {
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(usage)
      return 0
    case "run": {
      const [script, ...args] = rest
      if (script === undefined) {
        process.stderr.write(`luasock: run needs a script\n${usage}`)
        return 2
      }
      try {
        const r = await runFile(script, { args, hosts: defaultHosts(), progName: "luasock", output: "inherit", stdin: "inherit" })
        return r.exitCode
      } catch (e) {
        process.stderr.write(`luasock: ${e instanceof LuaRuntimeError ? e.message : String(e)}\n`)
        return 1
      }
    }
    default:
      process.stderr.write(`${command === undefined ? "luasock: no command given" : `luasock: unknown command '${command}'`}\n${usage}`)
      return 2
  }
}

process.exitCode = await main(process.argv.slice(2))
