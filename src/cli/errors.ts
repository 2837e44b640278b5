/**
 * The `luasock` CLI's exit codes and error messages: one table from the core's typed errors
 * (`NetError`) to a status and a one-line message `luasock: <what> <where>: <why>`.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as NetError from "../core/NetError.js"

/**
 * Exit statuses of `connect`, `listen` and `echo` (`run` exits with the script's own status).
 *
 * @since 0.1.0
 */
export const ExitCode = {
  /** Done: the peer closed, the count was reached, or a signal asked for a clean stop. */
  ok: 0,
  /** Any other failure (reset by the peer, permission denied, stdout closed, ...). */
  error: 1,
  /** Bad command line (unknown command or option, missing or malformed argument). */
  usage: 2,
  /** Connection refused (for UDP: an ICMP port unreachable came back). */
  refused: 3,
  /** `--timeout` ran out: connect, accept, or the connection was idle that long. */
  timeout: 4,
  /** The address (port or unix socket path) is already in use. */
  addressInUse: 5,
  /** The host name could not be resolved. */
  hostNotFound: 6,
  /** stdout was closed by its reader (EPIPE): quietly, as a process killed by SIGPIPE. */
  stdoutClosed: 141
} as const

/** @since 0.1.0 */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

/**
 * The table printed by `--help` and in docs/cli.md.
 *
 * @since 0.1.0
 */
export const exitCodeTable: ReadonlyArray<readonly [ExitCode, string]> = [
  [ExitCode.ok, "success (the peer closed, --count reached, or stopped by SIGINT/SIGTERM)"],
  [ExitCode.error, "other errors (connection reset, permission denied, ...)"],
  [ExitCode.usage, "bad command line"],
  [ExitCode.refused, "connection refused"],
  [ExitCode.timeout, "timeout (--timeout)"],
  [ExitCode.addressInUse, "address already in use"],
  [ExitCode.hostNotFound, "host not found"],
  [ExitCode.stdoutClosed, "stdout was closed by its reader (as SIGPIPE would)"]
]

/**
 * A failure the CLI reports and exits with: the message (without the `luasock: ` prefix)
 * and the exit status.
 *
 * @since 0.1.0
 */
export class CliFailure extends Data.TaggedError("CliFailure")<{ readonly message: string; readonly exitCode: number }> {}

/**
 * A bad command line found after @effect/cli's own validation (e.g. a port given with a
 * unix socket path): exit 2.
 *
 * @since 0.1.0
 */
export const usage = (message: string): CliFailure => new CliFailure({ message, exitCode: ExitCode.usage })

/** The exit status of a core error. @since 0.1.0 */
export const exitCodeOf = (e: NetError.NetError): ExitCode => {
  switch (e._tag) {
    case "ConnectionRefused":
      return ExitCode.refused
    case "Timeout":
      return ExitCode.timeout
    case "AddressInUse":
      return ExitCode.addressInUse
    case "HostNotFound":
      return ExitCode.hostNotFound
    default:
      return ExitCode.error
  }
}

/** Why, in a few words (LuaSocket's strings where they are clear). */
const reason = (e: NetError.NetError): string => {
  switch (e._tag) {
    case "ConnectionRefused":
      return "connection refused"
    case "Timeout":
      return "timeout"
    case "AddressInUse":
      return "address already in use"
    case "HostNotFound":
      return `host not found (${NetError.luaMessage(e)})`
    case "Closed":
      if (e.code === "ECONNRESET") return "connection reset by peer"
      if (e.code === "EPIPE") return "broken pipe (the peer closed the connection)"
      return "connection closed"
    case "Unsupported":
    case "InvalidArgument":
      return e.detail ?? NetError.luaMessage(e)
    default: {
      // strerror's text when there is one ("No such file or directory"); the code when there is none
      const lua = NetError.luaMessage(e)
      return e.code !== undefined && e._tag === "Unknown" && lua === NetError.luaMessage(new NetError.Unknown({ operation: "" })) ? `${lua} [${e.code}]` : lua
    }
  }
}

/**
 * Turns a core error into the CLI's failure: `<operation> <address>: <why>`, e.g.
 * `connect 127.0.0.1:9: connection refused`. `what` overrides the operation and address
 * (the address as the user wrote it, rather than the resolved one that failed last).
 *
 * @since 0.1.0
 */
export const fromNetError = (e: NetError.NetError, what?: string): CliFailure => {
  const where = what ?? (e.address !== undefined ? `${e.operation} ${e.address}` : e.operation)
  // details that tell the user what to do (a unix socket path in use) are worth the length
  const more = e._tag === "AddressInUse" && e.detail !== undefined ? ` (${e.detail})` : ""
  return new CliFailure({ message: `${where}: ${reason(e)}${more}`, exitCode: exitCodeOf(e) })
}
