// Generated from the lsocket spec (src/facade) by src/facade/generate.ts: do not edit, run `npm run generate`.

/** Every object of this facade. */
export interface FacadeObjectLike {
  readonly className: string
  tostring(): string
}

/** Every lsocket socket (TCP, UDP, unix). Classes: socket. */
export interface Socket extends FacadeObjectLike {
  /** socket: A pending connection: the new socket and the peer's address and port (nil, nil for unix sockets); false when none is pending. */
  accept(): [socket: Socket, addr: string, port: number] | [_false_nil: false | undefined, message: string]
  /** socket: Closes the socket (safe to repeat): true. */
  close(): [ok: true]
  /** socket: The descriptor; -1 after close / setfd(-1), and until Node.js has created it (a connect under way). */
  getfd(): [fd: number]
  /** socket: No argument: `{fd, family, type, listening, multicast}`. `"peer"` / `"socket"` (any case): `{family, addr, port}` of the peer / the local end (no port for unix sockets). Anything else: nil. */
  info(what?: "peer" | "socket" | string | Uint8Array | number | undefined): [info: any] | [nil: undefined, message: string]
  /** socket: At most `size` bytes (default 1024, Lua 5.4's LUAL_BUFFERSIZE) of what has arrived (UDP: one datagram, cut to `size`); false when nothing has; nil (alone) at the end of a TCP stream; `nil, message` on error. */
  recv(size?: number | string | undefined): [data: string] | [_false_nil: false | undefined, message: string]
  /** socket: recv and the sender's address and port (on TCP and connected UDP sockets: the peer's). */
  recvfrom(size?: number | string | undefined): [data: string, addr: string, port: number] | [_false_nil: false | undefined, message: string]
  /** socket: Sends what fits now (TCP) or one datagram (connected UDP): the bytes written, or false when nothing fitted (also while still connecting). */
  send(data: string | Uint8Array | number): Promise<[bytes: number] | [_false_nil: false | undefined, message: string]>
  /** socket: Sends a datagram to `address` (resolved like bind's: a host name may wait for the resolver), `port`: the bytes written. On TCP the address is ignored (as Linux does). */
  sendto(data: string | Uint8Array | number, address: string | Uint8Array | number, port: number | string): Promise<[bytes: number] | [_false_nil: false | undefined, message: string]>
  /** socket: Only -1: the object lets go of its descriptor (here: closes it, as libuv owns it and nobody else can take it over). Other values: `nil, "bad argument #1 to 'setfd' (invalid fd)"`. */
  setfd(fd: number | string): [ok: true] | [nil: undefined, message: string]
  /** socket: true while the socket has no error (also while still connecting); the failed connect's `nil, message` once it failed. */
  status(): [ok: true] | [nil: undefined, message: string]
}

/** lsocket 1.4.1 (`require "lsocket"`): almost-nonblocking TCP, UDP and unix sockets with address auto-detection; `false` means would-block, `nil` end of stream, `nil, message` an error. */
export interface Namespace {
  /** IPv6 any address. */
  readonly IN6ADDR_ANY: string
  /** IPv4 any address. */
  readonly INADDR_ANY: string
  /** The lsocket version reproduced. */
  readonly _VERSION: string
  /** A socket bound to `address` (default `0.0.0.0`; a path with `/` or a leading `@` is a unix socket), with SO_REUSEADDR; TCP sockets listen at once (backlog 5). `mcast`: UDP with broadcast on (IPv4) or the IPv6 group `address` joined. Waits only for the resolver and Node.js's listen. */
  bind(type?: "tcp" | "udp" | "mcast" | string | Uint8Array | number | undefined, address?: "tcp" | "udp" | "mcast" | string | Uint8Array | number | undefined, port?: "tcp" | "udp" | "mcast" | string | Uint8Array | number | undefined, backlog?: "tcp" | "udp" | "mcast" | string | Uint8Array | number | undefined): Promise<[socket: Socket] | [nil: undefined, message: string]>
  /** A socket connecting to `address`, `port` (detected as bind's). TCP returns at once, still connecting: select it for writing, then `status()`. `mcast`: UDP with broadcast on and the multicast TTL / hops `ttl` (default 1). Waits only for the resolver. */
  connect(type?: "tcp" | "udp" | "mcast" | string | Uint8Array | number | undefined, address?: "tcp" | "udp" | "mcast" | string | Uint8Array | number | undefined, port?: "tcp" | "udp" | "mcast" | string | Uint8Array | number | undefined, ttl?: "tcp" | "udp" | "mcast" | string | Uint8Array | number | undefined): Promise<[socket: Socket] | [nil: undefined, message: string]>
  /** `{{name, family, addr, mask}, ...}`: every IPv4 and IPv6 address of the interfaces that are up. */
  getinterfaces(): [interfaces: any]
  /** `{{family = "inet"|"inet6", addr = ...}, ...}` for a host name, in the resolver's order. */
  resolve(name: string | Uint8Array | number): Promise<[addresses: any] | [nil: undefined, message: string]>
  /** Waits until a socket of `read` is readable or one of `write` writable, at most `timeout` seconds (millisecond resolution; none: no limit): as many tables of ready sockets as tables were given (an empty first one when only `write` was), false on timeout. `select(t)` sleeps. No descriptor limit. */
  select(read?: ReadonlyArray<unknown> | Readonly<Record<string, unknown>> | number | string | undefined, write?: ReadonlyArray<unknown> | Readonly<Record<string, unknown>> | number | string | undefined, timeout?: number | string | undefined, ...rest: Array<unknown>): Promise<[read: any, write: any] | [_false_nil: false | undefined, message: string]>
}
