/**
 * The `luasock` command line, declared with @effect/cli (parsing, validation, `--help`,
 * `--version`, completions) and run with @effect/platform-node's `NodeRuntime.runMain`
 * (SIGINT / SIGTERM interrupt the command: sockets are closed, the status is 0).
 *
 * Only the services @effect/cli needs are provided (FileSystem, Path, Terminal), not all of
 * `NodeContext` (which adds a command executor and a worker manager): it starts faster.
 * The command implementations are imported when a command runs: `--help` does not load the socket core.
 *
 * @since 0.1.0
 */
import * as fs from "node:fs"
import * as path from "node:path"
import * as Args from "@effect/cli/Args"
import * as CliConfig from "@effect/cli/CliConfig"
import * as Command from "@effect/cli/Command"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import * as Span from "@effect/cli/HelpDoc/Span"
import * as ValidationError from "@effect/cli/ValidationError"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import * as Cause from "effect/Cause"
import type * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { packageRoot } from "../lua/paths.js"
import { CliFailure, ExitCode, exitCodeTable, usage } from "./errors.js"

const netcat = Effect.promise(() => import("./netcat.js"))

const version = (): string => {
  try {
    return (JSON.parse(fs.readFileSync(path.join(packageRoot, "package.json"), "utf8")) as { version: string }).version
  } catch {
    return "unknown"
  }
}

// ---- options and arguments ---------------------------------------------------------------

/** A number option: `--name <pseudo>`, validated here (so that the message names the option). */
const numberOption = (name: string, pseudo: string, integer: boolean) =>
  Options.text(name).pipe(
    Options.withPseudoName(pseudo),
    Options.mapEffect((text) => {
      const n = Number(text)
      return text.trim() !== "" && Number.isFinite(n) && n > 0 && (!integer || Number.isInteger(n))
        ? Effect.succeed(n)
        : Effect.fail(ValidationError.invalidValue(HelpDoc.p(`bad --${name} '${text}': expected ${integer ? "an integer" : "a number of seconds"} > 0`)))
    })
  )

/** A positional argument that must not look like an option (an unknown `--flag` would otherwise be taken for it). */
const positional = (name: string) =>
  Args.text({ name }).pipe(
    Args.mapEffect((text) => (text.startsWith("-") ? Effect.fail(HelpDoc.p(`unknown option '${text}'`)) : Effect.succeed(text)))
  )

const udp = Options.boolean("udp").pipe(
  Options.withAlias("u"),
  Options.withDescription("UDP instead of TCP: each line of stdin (LF included) is one datagram, every datagram received is written to stdout as it is.")
)

const timeout = numberOption("timeout", "seconds", false).pipe(
  Options.withAlias("w"),
  Options.withDescription(
    "LuaSocket's settimeout(seconds) on the socket: connect (and listen's accept) wait at most that long, and the session ends (exit 4) " +
      "when nothing moves either way for that long. UDP: after stdin's end, the wait for replies ends normally (exit 0)."
  ),
  Options.optional
)

const crlf = Options.boolean("crlf").pipe(Options.withAlias("C"), Options.withDescription("Send each LF of stdin as CRLF (an LF already after a CR is left alone)."))

const progress = Options.boolean("progress").pipe(
  Options.withDescription("A progress line on stderr (bytes in and out, rates, elapsed time), only when stderr is a terminal: otherwise ignored.")
)

const verbose = Options.boolean("verbose").pipe(Options.withAlias("v"), Options.withDescription("Report the listening address, connections and datagram senders on stderr."))

const host = Options.text("host").pipe(
  Options.withPseudoName("address"),
  Options.withDescription("The address to listen on (default 127.0.0.1, loopback only; '*' or 0.0.0.0 for every IPv4 address, :: for IPv6). Not with a unix socket path."),
  Options.optional
)

const portOrPath = positional("port").pipe(
  Args.withDescription("A port (0: any free port, see --verbose), or a unix socket path (containing '/'; '@name': Linux abstract name).")
)

const relayOptions = { udp, timeout, crlf, progress, verbose }

const relay = (o: { timeout: Option.Option<number>; crlf: boolean; progress: boolean; verbose: boolean }) => ({
  timeout: Option.getOrUndefined(o.timeout),
  crlf: o.crlf,
  progress: o.progress,
  verbose: o.verbose
})

const orFail = <A>(e: Either.Either<A, CliFailure>): Effect.Effect<A, CliFailure> => (Either.isLeft(e) ? Effect.fail(e.left) : Effect.succeed(e.right))

// ---- commands ----------------------------------------------------------------------------

const summaries = {
  run: "Run a Lua 5.4 script with the socket modules (socket, lsocket, nixio, socket.inet).",
  connect: "Connect to a TCP or UDP port or a unix socket; relay stdin and stdout (netcat-style).",
  listen: "Accept one connection (or UDP peer) and relay stdin and stdout.",
  echo: "An echo server for many connections (TCP, UDP or a unix socket)."
}

const run = Command.make(
  "run",
  {
    worker: Options.boolean("worker").pipe(
      Options.withDescription("Run the script in a worker thread: a call may wait in every Lua context (__gc finalizers, load readers...), but every call crosses threads (see docs/lua.md). Also LUASOCK_THREAD=worker.")
    ),
    mainThread: Options.boolean("main-thread").pipe(
      Options.withDescription("Run the script on the main thread (the default, unless LUASOCK_THREAD=worker).")
    ),
    script: Args.text({ name: "script.lua" }).pipe(Args.withDescription("The Lua 5.4 script; '-' reads it from stdin.")),
    args: Args.text({ name: "args" }).pipe(Args.withDescription("Arguments for the script (arg[1..] and ...), passed as they are, '-' options too."), Args.repeated)
  },
  ({ args, mainThread, script, worker }) =>
    worker && mainThread ? Effect.fail(usage("run: --worker and --main-thread exclude each other")) : Effect.flatMap(
      Effect.promise(() => import("./runScript.js").then((m) => m.runScript(script, args, worker ? "worker" : mainThread ? "main" : undefined))),
      (status) => (status === 0 ? Effect.void : Effect.fail(new CliFailure({ message: "", exitCode: status })))
    )
).pipe(
  Command.withDescription(
    HelpDoc.blocks([
      HelpDoc.p(summaries.run),
      HelpDoc.p(
        "Like lua5.4 script.lua args...: stdin, stdout and stderr are the process's own, the exit status is the script's (1 on an uncaught error). " +
          "Everything after the script goes to the script untouched, options too (luasock run x.lua --help passes --help to x.lua)."
      )
    ])
  )
)

const connect = Command.make(
  "connect",
  {
    host: positional("host").pipe(Args.withDescription("Host name, IPv4 or IPv6 address, or a unix socket path (containing '/'; '@name': abstract).")),
    port: positional("port").pipe(Args.withDescription("The port (not for a unix socket path)."), Args.optional),
    ...relayOptions
  },
  (o) =>
    Effect.flatMap(netcat, (m) =>
      Effect.flatMap(orFail(m.connectTarget(o.host, Option.getOrUndefined(o.port))), (ep) => m.connect(ep, o.udp, relay(o)))
    )
).pipe(
  Command.withDescription(
    HelpDoc.blocks([
      HelpDoc.p(summaries.connect),
      HelpDoc.p(
        "stdin -> socket and socket -> stdout, with backpressure both ways. At the end of stdin the sending side is shut down (half-close); " +
          "the command ends when the peer closes (exit 0). Examples: luasock connect example.org 80; luasock connect /run/app.sock; " +
          "luasock connect --udp 127.0.0.1 5353 < query"
      )
    ])
  )
)

const listen = Command.make(
  "listen",
  { port: portOrPath, host, ...relayOptions },
  (o) =>
    Effect.flatMap(netcat, (m) =>
      Effect.flatMap(orFail(m.serverTarget("listen", o.port, Option.getOrUndefined(o.host))), (ep) => m.listen(ep, o.udp, relay(o)))
    )
).pipe(
  Command.withDescription(
    HelpDoc.blocks([
      HelpDoc.p(summaries.listen),
      HelpDoc.p(
        "Listens on a port of 127.0.0.1 (see --host) or on a unix socket path, accepts one connection, stops listening, and relays as connect does. " +
          "--udp: relays datagrams, replying to the last sender (stdin is read once a first datagram has come). " +
          "Examples: luasock listen 8080 > received; luasock listen --host '*' 8080; luasock listen /tmp/app.sock"
      )
    ])
  )
)

const echo = Command.make(
  "echo",
  {
    port: portOrPath,
    host,
    udp: Options.boolean("udp").pipe(Options.withAlias("u"), Options.withDescription("Echo UDP datagrams (each back to its sender) instead of TCP connections.")),
    timeout: numberOption("timeout", "seconds", false).pipe(
      Options.withAlias("w"),
      Options.withDescription("TCP: close a connection after that many seconds without traffic."),
      Options.optional
    ),
    count: numberOption("count", "n", true).pipe(
      Options.withDescription("Stop by itself: after that many connections (TCP, once they are done) or datagrams (UDP); exit 0."),
      Options.optional
    ),
    maxConnections: numberOption("max-connections", "n", true).pipe(
      Options.withDescription("TCP: connections served at once (more wait to be accepted); default 500."),
      Options.withDefault(500)
    ),
    verbose
  },
  (o) =>
    Effect.flatMap(netcat, (m) =>
      Effect.gen(function*() {
        const ep = yield* orFail(m.serverTarget("echo", o.port, Option.getOrUndefined(o.host)))
        if (o.udp && Option.isSome(o.timeout)) return yield* usage("echo --udp: --timeout is for TCP connections (use --count to stop by itself)")
        return yield* m.echo(ep, o.udp, { timeout: Option.getOrUndefined(o.timeout), count: Option.getOrUndefined(o.count), maxConnections: o.maxConnections, verbose: o.verbose })
      })
    )
).pipe(
  Command.withDescription(
    HelpDoc.blocks([
      HelpDoc.p(summaries.echo),
      HelpDoc.p(
        "Listens on a port of 127.0.0.1 (see --host) or on a unix socket path; every connection gets back what it sends, many connections at once, " +
          "until SIGINT or SIGTERM (the server closes, exit 0) or --count. Prints 'luasock: echo: listening on <address> (tcp|udp)' on stderr when ready. " +
          "Examples: luasock echo 7000; luasock echo --udp --count 10 0"
      )
    ])
  )
)

const luasock = Command.make("luasock", {}, () => Effect.fail(usage("no command given (run, connect, listen or echo)"))).pipe(
  Command.withDescription(
    HelpDoc.blocks([
      HelpDoc.p("Sockets with LuaSocket's semantics on Node.js: run Lua scripts, netcat-style connect / listen, an echo server."),
      HelpDoc.descriptionList([
        [Span.text("run <script.lua> [args...]"), HelpDoc.p(summaries.run)],
        [Span.text("connect <host> <port> | <path>"), HelpDoc.p(summaries.connect)],
        [Span.text("listen <port> | <path>"), HelpDoc.p(summaries.listen)],
        [Span.text("echo <port> | <path>"), HelpDoc.p(summaries.echo)]
      ]),
      HelpDoc.p("luasock <command> --help tells more about a command.")
    ])
  ),
  Command.withSubcommands([run, connect, listen, echo])
)

const footer = HelpDoc.blocks([
  HelpDoc.h1("EXIT STATUS"),
  HelpDoc.p(exitCodeTable.map(([code, what]) => `${code}: ${what}`).join("; ") + ". run exits with the script's status."),
  HelpDoc.p("More: docs/cli.md")
])

// ---- console, exit -----------------------------------------------------------------------

const plain = (s: string): string => s.replace(/\x1b\[[0-9;]*m/g, "")
const color = (tty: boolean | undefined): boolean => tty === true && process.env.NO_COLOR === undefined

/**
 * @effect/cli writes help with Console.log and parse errors with Console.error, always in
 * ANSI colours: colours only on a terminal here, and errors as `luasock: <message>`.
 */
const cliConsole = (base: Console.Console): Console.Console => ({
  ...base,
  log: (...args: ReadonlyArray<unknown>) =>
    Effect.sync(() => {
      const text = args.map(String).join(" ")
      process.stdout.write(`${color(process.stdout.isTTY) ? text : plain(text)}\n`)
    }),
  error: (...args: ReadonlyArray<unknown>) =>
    Effect.sync(() => {
      const text = plain(args.map(String).join(" ")).trim()
      process.stderr.write(`luasock: ${text}\nRun 'luasock --help' for usage.\n`)
    })
})

const exitCodeOf = (exit: Exit.Exit<unknown, unknown>): number => {
  if (Exit.isSuccess(exit) || Cause.isInterruptedOnly(exit.cause)) return ExitCode.ok
  const failure = Cause.failureOption(exit.cause)
  if (Option.isSome(failure)) {
    const e = failure.value
    if (e instanceof CliFailure) {
      if (e.message !== "") process.stderr.write(`luasock: ${e.message}\n${e.exitCode === ExitCode.usage ? "Run 'luasock --help' for usage.\n" : ""}`)
      return e.exitCode
    }
    // already printed by @effect/cli
    if (ValidationError.isValidationError(e)) return ExitCode.usage
  }
  process.stderr.write(`luasock: internal error: ${Cause.pretty(exit.cause)}\n`)
  return ExitCode.error
}

/** Exits once stderr and stdout have taken what was written (at most a second later if a reader is stuck). */
const exitWith = (code: number): void => {
  const exit = () => process.exit(code)
  setTimeout(exit, 1000)
  process.stderr.write("", () => process.stdout.write("", exit))
}

const booleanFlags: Readonly<Record<string, string>> = {
  "-u": "--udp",
  "--udp": "--udp",
  "-v": "--verbose",
  "--verbose": "--verbose",
  "-C": "--crlf",
  "--crlf": "--crlf",
  "--progress": "--progress"
}

/**
 * @effect/cli lets a boolean flag take the next argument as its value when that argument reads
 * as a boolean (`true`, `false`, `yes`, `no`, `on`, `off`, `1`, `0`, ...): `listen -v 0` would be
 * "verbose = false" and no port. Our flags never take a value: they are written `--flag=true`
 * before parsing (short clusters such as `-uv` too), up to a `--`. And `--help` anywhere asks
 * for the command's help.
 */
const normalize = (argv: ReadonlyArray<string>): ReadonlyArray<string> => {
  if (argv[0] !== "connect" && argv[0] !== "listen" && argv[0] !== "echo") return argv
  // @effect/cli finds a built-in --help only before the first option it does not know
  const end = argv.indexOf("--")
  const options = end === -1 ? argv : argv.slice(0, end)
  if (argv.length > 2 && (options.includes("--help") || options.includes("-h"))) return [argv[0], "--help"]
  const out: Array<string> = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === "--") return [...out, ...argv.slice(i)]
    const long = booleanFlags[a]
    if (long !== undefined) out.push(`${long}=true`)
    else if (/^-[uvC]{2,}$/.test(a)) out.push(...[...a.slice(1)].map((c) => `${booleanFlags[`-${c}`]}=true`))
    else out.push(a)
  }
  return out
}

/**
 * @effect/cli suggests a flag within `autoCorrectLimit` edits of a typo; with the default (2)
 * it takes `--verbose` for a misspelt `--version`. 1 catches one-letter slips only.
 */
const cliConfig = CliConfig.layer({ autoCorrectLimit: 1 })

/**
 * Parses `argv` (the arguments after `luasock`) and runs the command; the process exits with
 * its status.
 *
 * @since 0.1.0
 */
export const main = (argv: ReadonlyArray<string>): void => {
  const cli = Command.run(luasock, { name: "luasock", version: version(), executable: "luasock", footer })
  const program = Effect.flatMap(Effect.console, (base) => Effect.withConsole(cli(["node", "luasock", ...normalize(argv)]), cliConsole(base)))
  NodeRuntime.runMain(Effect.provide(program, Layer.mergeAll(NodeFileSystem.layer, NodePath.layer, NodeTerminal.layer, cliConfig)), {
    disableErrorReporting: true,
    teardown: (exit) => exitWith(exitCodeOf(exit))
  })
}
