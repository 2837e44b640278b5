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
 * `run [--worker | --main-thread] <script> [args...]` (or with `--` before the script), with a
 * script that is `-` or does not start with `-`: the script, its arguments and the placement
 * asked for, else `undefined`.
 *
 * @since 0.1.0
 */
const fastRun = (
  argv: ReadonlyArray<string>
): { readonly script: string; readonly args: ReadonlyArray<string>; readonly placement: "main" | "worker" | undefined } | undefined => {
  if (argv[0] !== "run") return undefined
  let rest = argv.slice(1)
  const placement = rest[0] === "--worker" ? "worker" : rest[0] === "--main-thread" ? "main" : undefined
  if (placement !== undefined) rest = rest.slice(1)
  if (rest[0] === "--") rest = rest.slice(1)
  const script = rest[0]
  if (script === undefined || (script !== "-" && script.startsWith("-"))) return undefined
  return { script, args: rest.slice(1), placement }
}

const argv = process.argv.slice(2)
const fast = fastRun(argv)
if (fast !== undefined) {
  const { runScript } = await import("./runScript.js")
  process.exitCode = await runScript(fast.script, fast.args, fast.placement)
} else {
  const { main } = await import("./app.js")
  main(argv)
}
