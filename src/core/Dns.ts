/**
 * Name service and the small helpers of LuaSocket's `socket` namespace
 * (spec/reference-semantics.md section 1, "DNS and misc"; section 2 for lsocket's
 * `resolve` and `getinterfaces`).
 *
 * Every lookup goes through the system resolver (getaddrinfo / getnameinfo, so
 * `/etc/hosts` counts, as in LuaSocket) via `Address.resolve` and Node's
 * `dns.lookupService`; nothing here speaks DNS itself. Failures are `NetError`s whose
 * `luaMessage` is LuaSocket's text: getaddrinfo's (`"host or service not provided, or not
 * known"`, ...) everywhere except `toip` / `tohostname`, which say `"host not found"` as
 * LuaSocket's gethostbyname-based functions do.
 *
 * Results are in the resolver's order; a lookup cannot be cancelled in Node, so
 * interrupting one abandons it (the resolver thread finishes on its own).
 *
 * @since 0.1.0
 */
import * as dns from "node:dns"
import { readFile } from "node:fs/promises"
import { isIP } from "node:net"
import * as os from "node:os"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Address from "./Address.js"
import { describe } from "./internal/describe.js"
import { asHostLookupError, fromCause, HostNotFound, InvalidArgument, type NetError } from "./NetError.js"

/** One result of `getaddrinfo`: LuaSocket's `{family = "inet" | "inet6", addr = ...}`. @since 0.1.0 */
export interface AddressInfo {
  readonly family: "inet" | "inet6"
  readonly address: string
}

/** What `getnameinfo` returns: LuaSocket's `{names}, service`. @since 0.1.0 */
export interface NameInfo {
  /** One name per address the host resolved to (the numeric address when it has no name); empty without a host. */
  readonly names: ReadonlyArray<string>
  /** The service name of the port (`"http"`), its number as a string when it has none; undefined without a service. */
  readonly service: string | undefined
}

/** LuaSocket's resolved-host table `{name, alias = {...}, ip = {...}}` (IPv4 only). @since 0.1.0 */
export interface HostInfo {
  readonly name: string
  readonly alias: ReadonlyArray<string>
  readonly ip: ReadonlyArray<string>
}

/** What `toip` / `tohostname` return: the first value and the resolved-host table. @since 0.1.0 */
export interface HostLookup {
  readonly first: string
  readonly info: HostInfo
}

/** One result of lsocket's `resolve`: `{family, addr}`. @since 0.1.0 */
export interface ResolvedAddress {
  readonly family: "inet" | "inet6"
  readonly addr: string
}

/** One address of a local interface (lsocket's `getinterfaces`). @since 0.1.0 */
export interface InterfaceAddress {
  readonly name: string
  readonly family: "inet" | "inet6"
  readonly address: string
  readonly netmask: string
}

// ---- resolving ------------------------------------------------------------------------

const notAString = (operation: string, what: string, u: unknown) =>
  new InvalidArgument({ operation, detail: `bad ${what}: expected a string, got ${u === null ? "null" : typeof u}` })

/**
 * A host as getaddrinfo takes it: an IP literal, or any other string handed to the
 * resolver as is (so `"a b"` or `"*"` fail as LuaSocket's do, with EAI_NONAME, not
 * with a parse error). The empty string never reaches Node (its `lookup("")` answers
 * with no address instead of failing).
 */
const resolvable = (host: unknown, operation: string): Either.Either<Exclude<Address.Host, { _tag: "Unix" | "Any" }>, NetError> => {
  if (typeof host !== "string") return Either.left(notAString(operation, "host", host))
  if (host === "" || host.includes("\0")) {
    return Either.left(new HostNotFound({ operation, address: host, code: "EAI_NONAME", detail: "empty host name or NUL byte" }))
  }
  const v = isIP(host)
  if (v !== 0) return Either.right({ _tag: "Ip", family: v === 4 ? "inet" : "inet6", address: host })
  return Either.right({ _tag: "Name", name: host })
}

const lookup = (host: unknown, family: "inet" | "inet6" | "unspec", operation: string): Effect.Effect<ReadonlyArray<AddressInfo>, NetError> =>
  Either.match(resolvable(host, operation), {
    onLeft: Effect.fail,
    onRight: (h) => Address.resolve(h, family, operation)
  })

/**
 * LuaSocket's `dns.getaddrinfo(host)`: every address of the host, in the resolver's
 * order, one per address (stream hints, as LuaSocket's). `family` restricts the
 * lookup (LuaSocket has no such argument: it is `"unspec"`); any other family is an
 * `InvalidArgument`.
 *
 * @since 0.1.0
 */
export const getaddrinfo = (host: string, family: "inet" | "inet6" | "unspec" = "unspec"): Effect.Effect<ReadonlyArray<AddressInfo>, NetError> => {
  if (family !== "inet" && family !== "inet6" && family !== "unspec") {
    return Effect.fail(new InvalidArgument({ operation: "getaddrinfo", detail: `bad family ${describe(family)}: expected "inet", "inet6" or "unspec"` }))
  }
  return lookup(host, family, "getaddrinfo")
}

/**
 * lsocket's `resolve(name)`: `getaddrinfo` with lsocket's field names.
 *
 * @since 0.1.0
 */
export const resolve = (name: string): Effect.Effect<ReadonlyArray<ResolvedAddress>, NetError> =>
  Effect.map(lookup(name, "unspec", "resolve"), (all) => all.map((a) => ({ family: a.family, addr: a.address })))

/** Node's getnameinfo. It always asks with NI_NAMEREQD, so an address without a name fails (ENOTFOUND). */
const lookupService = (address: string, port: number, operation: string): Effect.Effect<{ readonly hostname: string; readonly service: string }, NetError> =>
  Effect.async((resume) => {
    dns.lookupService(address, port, (err, hostname, service) => {
      resume(err ? Effect.fail(fromCause(err, { operation, address })) : Effect.succeed({ hostname, service }))
    })
  })

/** Where glibc's `files` source keeps service names; Node has no getservbyname. */
const servicesFile = "/etc/services"

/** The TCP port of a service name as getservbyname(name, "tcp") finds it in /etc/services. */
const portOfServiceName = (name: string, operation: string): Effect.Effect<number, NetError> =>
  Effect.flatMap(
    Effect.orElseSucceed(Effect.tryPromise(() => readFile(servicesFile, "latin1")), () => ""),
    (text) => {
      for (const line of text.split("\n")) {
        const [entry = ""] = line.split("#", 1)
        const [official, portProto, ...aliases] = entry.trim().split(/\s+/)
        const m = portProto === undefined ? null : /^(\d+)\/tcp$/.exec(portProto)
        if (m !== null && (official === name || aliases.includes(name))) return Effect.succeed(Number(m[1]))
      }
      return Effect.fail(new HostNotFound({ operation, address: name, code: "EAI_SERVICE", detail: `no TCP service named ${JSON.stringify(name)} in ${servicesFile}` }))
    }
  )

/**
 * A port as getaddrinfo takes a service: a number, a numeric string, or a service name
 * looked up in /etc/services (an unknown name fails with EAI_SERVICE).
 *
 * @since 0.1.0
 */
export const portOfService = (service: string | number, operation: string): Effect.Effect<number, NetError> => {
  if (typeof service === "string" && !/^\s*\d+\s*$/.test(service)) {
    if (service === "") return Effect.fail(new HostNotFound({ operation, code: "EAI_NONAME", detail: "empty service name" }))
    return portOfServiceName(service, operation)
  }
  return Either.match(Address.parsePort(service, operation), { onLeft: Effect.fail, onRight: Effect.succeed })
}

/** Addresses that usually have a name, to learn a port's service name when the host's own addresses have none. */
const loopbacks = ["127.0.0.1", "::1"] as const

/**
 * LuaSocket's `dns.getnameinfo(host, service)`: the names of every address `host`
 * resolves to (a reverse lookup of each; the numeric address when it has no name, as
 * getnameinfo without NI_NAMEREQD), and the service name of the port. A service may be
 * a port number, a numeric string or a service name (looked up in /etc/services; an
 * unknown one fails with EAI_SERVICE, `"service not supported for socket type"`).
 * Without a host `names` is empty; with neither it is an `InvalidArgument`
 * (LuaSocket raises `"host and serv cannot be both nil"`).
 *
 * @since 0.1.0
 */
export const getnameinfo = (host?: string, service?: string | number): Effect.Effect<NameInfo, NetError> => {
  const operation = "getnameinfo"
  if (host === undefined && service === undefined) {
    return Effect.fail(new InvalidArgument({ operation, detail: "host and serv cannot be both nil" }))
  }
  return Effect.gen(function*() {
    const port = service === undefined ? undefined : yield* portOfService(service, operation)
    const addresses = host === undefined ? [] : yield* lookup(host, "unspec", operation)
    const found = yield* Effect.forEach(addresses, (a) => Effect.option(lookupService(a.address, port ?? 0, operation)))
    const names = addresses.map((a, i) => Option.match(found[i]!, { onNone: () => a.address, onSome: (r) => r.hostname }))
    if (port === undefined) return { names, service: undefined }
    // LuaSocket reports the service of the last address; Node can only give it with a named address.
    const fromHost = Option.firstSomeOf([...found].reverse())
    const named = Option.isSome(fromHost) ? fromHost : yield* firstNamed(loopbacks, port, operation)
    return { names, service: Option.match(named, { onNone: () => String(port), onSome: (r) => r.service }) }
  })
}

const firstNamed = (addresses: ReadonlyArray<string>, port: number, operation: string) =>
  Effect.reduce(addresses, Option.none<{ readonly hostname: string; readonly service: string }>(), (acc, a) =>
    Option.isSome(acc) ? Effect.succeed(acc) : Effect.option(lookupService(a, port, operation)))

/**
 * gethostbyname / gethostbyaddr as LuaSocket's `inet_gethost` uses them: an IPv4
 * literal is looked up in reverse, anything else by name (IPv4 addresses only).
 */
const gethost = (address: unknown, operation: string): Effect.Effect<HostInfo, NetError> => {
  if (typeof address !== "string") return Effect.fail(notAString(operation, "address", address))
  // glibc's gethostbyname("") fails with NO_RECOVERY ("Unknown server error"), as lua5.4 shows.
  if (address === "") return Effect.fail(new HostNotFound({ operation, address, code: "NO_RECOVERY", detail: "empty host name" }))
  const v = isIP(address)
  if (v === 6) return Effect.fail(new HostNotFound({ operation, address, code: "HOST_NOT_FOUND", detail: "IPv6 addresses have no IPv4 host entry" }))
  const found: Effect.Effect<HostInfo, NetError> = v === 4
    ? Effect.map(lookupService(address, 0, operation), (r) => ({ name: r.hostname, alias: [], ip: [address] }))
    : Effect.map(lookup(address, "inet", operation), (all) => ({ name: address, alias: [], ip: all.map((a) => a.address) }))
  return Effect.mapError(found, asHostLookupError)
}

/**
 * LuaSocket's `dns.toip(address)`: the first IPv4 address of a name (or the address
 * itself) and the resolved-host table. A miss is `HostNotFound` with code
 * `HOST_NOT_FOUND`, whose `luaMessage` is `"host not found"`.
 *
 * @since 0.1.0
 */
export const toip = (address: string): Effect.Effect<HostLookup, NetError> =>
  Effect.map(gethost(address, "toip"), (info) => ({ first: info.ip[0] ?? address, info }))

/**
 * LuaSocket's `dns.tohostname(address)`: the name of an IPv4 address (or of a name:
 * itself) and the resolved-host table. Misses as `toip`.
 *
 * @since 0.1.0
 */
export const tohostname = (address: string): Effect.Effect<HostLookup, NetError> =>
  Effect.map(gethost(address, "tohostname"), (info) => ({ first: info.name, info }))

/**
 * LuaSocket's `dns.gethostname()`.
 *
 * @since 0.1.0
 */
export const gethostname: Effect.Effect<string> = Effect.sync(() => os.hostname())

/**
 * lsocket's `getinterfaces()`: every IPv4 and IPv6 address of every interface that is
 * up, with its netmask. Grouped by interface (Node's order), not in getifaddrs' order.
 *
 * @since 0.1.0
 */
export const getinterfaces: Effect.Effect<ReadonlyArray<InterfaceAddress>> = Effect.sync(() =>
  Object.entries(os.networkInterfaces()).flatMap(([name, addresses]) =>
    (addresses ?? []).map((a) => ({
      name,
      // Node 18.0-18.3 reported the family as a number.
      family: a.family === "IPv6" || (a.family as unknown) === 6 ? "inet6" as const : "inet" as const,
      address: a.address,
      netmask: a.netmask
    }))
  )
)

// ---- time and the rest ------------------------------------------------------------------

/**
 * LuaSocket's `gettime()`: seconds since the epoch as a float with microsecond
 * resolution, from Effect's `Clock` (so `TestClock` drives it).
 *
 * @since 0.1.0
 */
export const gettime: Effect.Effect<number> = Effect.map(
  Clock.currentTimeNanos,
  // microseconds, as LuaSocket's gettimeofday: exact in a double (nanoseconds are not)
  (nanos) => Number((nanos + 500n) / 1000n) / 1e6
)

/**
 * LuaSocket's `sleep(seconds)`: zero, negative or NaN returns at once; `Infinity`
 * never returns (LuaSocket caps it at INT_MAX seconds, some 68 years). On `Clock`.
 * A `seconds` that is not a number is an `InvalidArgument` (LuaSocket raises
 * `number expected`).
 *
 * @since 0.1.0
 */
export const sleep = (seconds: number): Effect.Effect<void, InvalidArgument> => {
  if (typeof seconds !== "number") {
    return Effect.fail(new InvalidArgument({ operation: "sleep", detail: `bad seconds ${describe(seconds)}: expected a number` }))
  }
  if (!(seconds > 0)) return Effect.void
  return Effect.sleep(seconds === Infinity ? Duration.infinity : Duration.millis(seconds * 1000))
}

/**
 * LuaSocket's `skip(d, ...)`: the values after the first `d`. `d <= 0` drops nothing
 * (LuaSocket would also return `d` itself for negative `d`); a fraction is truncated.
 * A `d` that is not a number (a bigint, a string, an object) drops nothing either: no
 * arithmetic is done on it, and `skip` has no error channel (a Lua facade converts or
 * refuses Lua's values before calling it).
 *
 * @since 0.1.0
 */
export const skip = <const A extends ReadonlyArray<unknown>>(d: number, ...values: A): Array<A[number]> =>
  typeof d === "number" && d > 0 ? values.slice(Math.trunc(d)) : values.slice()
