/**
 * Hosts, ports and socket addresses: parsing of what users write and resolution
 * through DNS (spec/reference-semantics.md section 1, "Helpers"; section 2 for
 * unix paths and `@abstract` names).
 *
 * @since 0.1.0
 */
import * as dns from "node:dns"
import { isIP } from "node:net"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { describe } from "./internal/describe.js"
import { fromCause, HostNotFound, InvalidArgument, type NetError } from "./NetError.js"

/** Address family of a socket: `inet` (IPv4), `inet6`, `unix`, or not decided yet. @since 0.1.0 */
export type Family = "inet" | "inet6" | "unix" | "unspec"

/** A host as the user wrote it, classified. @since 0.1.0 */
export type Host =
  | { readonly _tag: "Ip"; readonly family: "inet" | "inet6"; readonly address: string }
  | { readonly _tag: "Any" }
  | { readonly _tag: "Name"; readonly name: string }
  | { readonly _tag: "Unix"; readonly path: string; readonly abstract: boolean }

/** A concrete IP endpoint. @since 0.1.0 */
export interface IpEndpoint {
  readonly family: "inet" | "inet6"
  readonly address: string
  readonly port: number
}

const hostnamePattern = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*\.?$/

/** Longest unix socket path Linux accepts (sun_path is 108 bytes incl. the NUL). */
const maxUnixPath = 107

/**
 * Classifies a host: an IPv4 or IPv6 literal (brackets allowed), `"*"` (any
 * address of the socket's family), a unix socket path (contains `/`), a Linux
 * abstract name (`@name`), or a DNS name (`localhost` included).
 *
 * @since 0.1.0
 */
export const parseHost = (input: unknown, operation = "address"): Either.Either<Host, InvalidArgument> => {
  const bad = (why: string) => Either.left(new InvalidArgument({ operation, detail: `bad host ${describe(input)}: ${why}` }))
  if (typeof input !== "string") return bad("expected a string (IP address, host name, \"*\", unix path or @abstract name)")
  if (input === "*") return Either.right({ _tag: "Any" })
  if (input.includes("\0")) return bad("contains a NUL byte")
  if (input.startsWith("@")) {
    if (input.length < 2) return bad("an abstract socket name needs characters after the @")
    if (Buffer.byteLength(input) > maxUnixPath) return bad(`longer than ${maxUnixPath} bytes`)
    return Either.right({ _tag: "Unix", path: input, abstract: true })
  }
  if (input.includes("/")) {
    if (Buffer.byteLength(input) > maxUnixPath) return bad(`unix socket path longer than ${maxUnixPath} bytes`)
    return Either.right({ _tag: "Unix", path: input, abstract: false })
  }
  const unbracketed = input.startsWith("[") && input.endsWith("]") ? input.slice(1, -1) : input
  const v = isIP(unbracketed)
  if (v === 4 && unbracketed === input) return Either.right({ _tag: "Ip", family: "inet", address: unbracketed })
  if (v === 6) return Either.right({ _tag: "Ip", family: "inet6", address: unbracketed })
  if (unbracketed !== input) return bad("brackets must enclose an IPv6 address")
  if (input === "") return bad("empty")
  if (!hostnamePattern.test(input)) return bad("not an IP address and not a valid host name")
  return Either.right({ _tag: "Name", name: input })
}

/**
 * A port: an integer or a numeric string in 0..65535 (`-0` is port 0: the result is never
 * `-0`, which Node's `dns.lookupService` would abort the process on).
 *
 * @since 0.1.0
 */
export const parsePort = (input: unknown, operation = "address"): Either.Either<number, InvalidArgument> => {
  let n: number
  if (typeof input === "number") n = input
  else if (typeof input === "string" && /^\s*\d+\s*$/.test(input)) n = Number(input)
  else {
    return Either.left(new InvalidArgument({ operation, detail: `bad port ${describe(input)}: expected an integer 0..65535` }))
  }
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    return Either.left(new InvalidArgument({ operation, detail: `bad port ${describe(input)}: expected an integer 0..65535` }))
  }
  // -0 is 0: a -0 handed on to Node fails its uint32 checks (lookupService asserts, and aborts).
  return Either.right(n === 0 ? 0 : n)
}

/** The path Node must be given for a unix host (`@name` -> abstract namespace). @since 0.1.0 */
export const unixPath = (host: Extract<Host, { _tag: "Unix" }>): string => (host.abstract ? "\0" + host.path.slice(1) : host.path)

/** `"*"` for a family, as `socket.bind` uses it (`0.0.0.0` unless the socket is IPv6). @since 0.1.0 */
export const anyAddress = (family: Family): IpEndpoint["address"] => (family === "inet6" ? "::" : "0.0.0.0")

/** Formats an address for messages: `1.2.3.4:80`, `[::1]:80`, `/path`. @since 0.1.0 */
export const format = (host: string, port?: number): string => {
  if (port === undefined) return host
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`
}

/** A family for messages: as is when it is one (callers may pass on what a user gave). */
const familyName = (family: unknown): string =>
  family === "inet" || family === "inet6" || family === "unix" || family === "unspec" ? family : describe(family)

const familyNumber = (family: Family): 0 | 4 | 6 => (family === "inet" ? 4 : family === "inet6" ? 6 : 0)

/**
 * All the addresses a host stands for, in the resolver's order (as
 * getaddrinfo gives them to `socket.connect`), filtered by family.
 *
 * @since 0.1.0
 */
export const resolve = (
  host: Exclude<Host, { _tag: "Unix" }>,
  family: Family,
  operation: string
): Effect.Effect<ReadonlyArray<{ readonly family: "inet" | "inet6"; readonly address: string }>, NetError> => {
  switch (host._tag) {
    case "Any":
      return Effect.succeed([{ family: family === "inet6" ? "inet6" : "inet", address: anyAddress(family) }])
    case "Ip":
      if (family !== "unspec" && family !== host.family) {
        return Effect.fail(
          new InvalidArgument({ operation, address: host.address, detail: `an ${host.family === "inet" ? "IPv4" : "IPv6"} address cannot be used on an ${familyName(family)} socket` })
        )
      }
      return Effect.succeed([{ family: host.family, address: host.address }])
    case "Name":
      return Effect.async<ReadonlyArray<{ family: "inet" | "inet6"; address: string }>, NetError>((resume) => {
        dns.lookup(host.name, { all: true, family: familyNumber(family), verbatim: true }, (err, addresses) => {
          if (err) {
            resume(Effect.fail(fromCause(err, { operation, address: host.name })))
          } else if (addresses.length === 0) {
            resume(Effect.fail(new HostNotFound({ operation, address: host.name, code: "ENOTFOUND" })))
          } else {
            resume(Effect.succeed(addresses.map((a) => ({ family: a.family === 6 ? "inet6" as const : "inet" as const, address: a.address }))))
          }
        })
      })
  }
}

/**
 * Tries `f` on each address in order: the first success wins, else the last error
 * (LuaSocket's `inet_trybind` / `inet_tryconnect` loop over getaddrinfo's results).
 *
 * @since 0.1.0
 */
export const firstSuccess = <A, B>(
  operation: string,
  items: ReadonlyArray<A>,
  f: (a: A) => Effect.Effect<B, NetError>
): Effect.Effect<B, NetError> => {
  if (items.length === 0) return Effect.fail(new HostNotFound({ operation, detail: "no info on address" }))
  let i = 0
  const next = (): Effect.Effect<B, NetError> => {
    const item = items[i++]!
    return i >= items.length ? f(item) : Effect.catchAll(f(item), next)
  }
  return next()
}
