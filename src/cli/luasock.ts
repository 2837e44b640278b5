#!/usr/bin/env node
/**
 * `luasock`: run Lua 5.4 scripts with this package's socket modules, and netcat-style
 * `connect` / `listen` / `echo` on the Effect core. See docs/cli.md and `luasock --help`.
 *
 * The command line is declared with @effect/cli (./app.ts). `luasock run <script> [args...]`
 * takes a fast path that does not load @effect/cli (about half a second of imports): the
 * script starts as fast as with a hand-written parser, and every argument after the script
 * reaches it untouched (`--help` and `-x` included). Anything else (`run` without a script,
 * `run --help`, the other commands) goes through @effect/cli.
 *
 * @since 0.1.0
 */

/**
 * `run [--main-thread] <script> [args...]` (or `run [--main-thread] -- <script> [args...]`), with a
 * script that is `-` or does not start with `-`: the script and its arguments, else `undefined`.
 *
 * @since 0.1.0
 */
const fastRun = (
  argv: ReadonlyArray<string>
): { readonly script: string; readonly args: ReadonlyArray<string>; readonly mainThread: boolean } | undefined => {
  if (argv[0] !== "run") return undefined
  let rest = argv.slice(1)
  const mainThread = rest[0] === "--main-thread"
  if (mainThread) rest = rest.slice(1)
  if (rest[0] === "--") rest = rest.slice(1)
  const script = rest[0]
  if (script === undefined || (script !== "-" && script.startsWith("-"))) return undefined
  return { script, args: rest.slice(1), mainThread }
}

const argv = process.argv.slice(2)
const fast = fastRun(argv)
if (fast !== undefined) {
  const { runScript } = await import("./runScript.js")
  process.exitCode = await runScript(fast.script, fast.args, fast.mainThread)
} else {
  const { main } = await import("./app.js")
  main(argv)
}
