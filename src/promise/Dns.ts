/**
 * The name service for plain TypeScript: thin Promises over the core's `Dns`
 * (system resolver, resolver order kept; failures are `NetError.HostNotFound`).
 *
 * @since 0.1.0
 */
import * as Dns from "../core/Dns.js"
import { run, runSync } from "./internal/run.js"

/** @since 0.1.0 */
export interface DnsOptions {
  readonly signal?: AbortSignal | undefined
}

/**
 * Every address of `host`, in the resolver's order.
 *
 * @since 0.1.0
 */
export const getAddrInfo = (host: string, family: "inet" | "inet6" | "unspec" = "unspec", options?: DnsOptions): Promise<ReadonlyArray<Dns.AddressInfo>> =>
  run(Dns.getaddrinfo(host, family), options?.signal)

/**
 * The names of every address of `host` and the service name of `service`.
 *
 * @since 0.1.0
 */
export const getNameInfo = (host?: string, service?: string | number, options?: DnsOptions): Promise<Dns.NameInfo> =>
  run(Dns.getnameinfo(host, service), options?.signal)

/**
 * LuaSocket's `dns.toip`: `first` is the first IPv4 address.
 *
 * @since 0.1.0
 */
export const toIp = (address: string, options?: DnsOptions): Promise<Dns.HostLookup> => run(Dns.toip(address), options?.signal)

/**
 * LuaSocket's `dns.tohostname`: `first` is the name.
 *
 * @since 0.1.0
 */
export const toHostname = (address: string, options?: DnsOptions): Promise<Dns.HostLookup> => run(Dns.tohostname(address), options?.signal)

/**
 * lsocket's `resolve`: `[{ family, addr }]`.
 *
 * @since 0.1.0
 */
export const resolve = (name: string, options?: DnsOptions): Promise<ReadonlyArray<Dns.ResolvedAddress>> => run(Dns.resolve(name), options?.signal)

/**
 * The host name of this machine.
 *
 * @since 0.1.0
 */
export const getHostname = (): string => runSync(Dns.gethostname)

/**
 * Every IPv4/IPv6 address of every interface that is up.
 *
 * @since 0.1.0
 */
export const getInterfaces = (): ReadonlyArray<Dns.InterfaceAddress> => runSync(Dns.getinterfaces)
