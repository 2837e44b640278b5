// Generated from the luasocket spec (src/facade) by src/facade/generate.ts: do not edit, run `npm run generate`.

/** Every object of this facade. */
export interface FacadeObjectLike {
  readonly className: string
  tostring(): string
}

/** TCP (and unix stream) objects. Classes: tcp{master}, tcp{client}, tcp{server}. */
export interface Tcp extends FacadeObjectLike {
  /** tcp{server}: Waits (within the timeout) for a connection; the client gets no timeout (-1/-1). */
  accept(): Promise<[client: Tcp] | [nil: undefined, err: string]>
  /** tcp{master}: Binds a master to a local address (`"*"` = any) and port (0 = ephemeral). */
  bind(address: string | Uint8Array | number, port: string | Uint8Array | number): Promise<[ok: number] | [nil: undefined, err: string]>
  /** tcp{any}: Closes the object (safe to repeat). Buffered received data stays readable. */
  close(): [ok: number]
  /** tcp{any}: Connects (within the timeout), trying every resolved address; the object becomes a client even when it fails. */
  connect(address: string | Uint8Array | number, port: string | Uint8Array | number): Promise<[ok: number] | [nil: undefined, err: string]>
  /** tcp{any}: True while LuaSocket's 8 KiB receive buffer would hold unread bytes (always false for UDP). */
  dirty(): [dirty: boolean]
  /** tcp{any}: `"inet4"` or `"inet6"` (`"unix"` for unix sockets). */
  getfamily(): [family: string]
  /** tcp{any}: The descriptor, -1 when closed or before bind/connect. */
  getfd(): [fd: number]
  /** tcp{any}: Reads an option (see the options table). Raises ``unsupported option `x'`` for an unknown name. */
  getoption(option: string | Uint8Array | number): [value: unknown] | [nil: undefined, err: string]
  /** tcp{any}: The peer's address: `ip, port, family`. */
  getpeername(): [ip: string, port: number, family: string] | [nil: undefined, err: string]
  /** tcp{any}: Local address: `ip, port, family` (`"inet"` / `"inet6"`). */
  getsockname(): [ip: string, port: number, family: string] | [nil: undefined, err: string]
  /** tcp{client}: Bytes received, bytes sent, seconds since creation. */
  getstats(): [received: number, sent: number, age: number]
  /** tcp{any}: The block and total timeouts in seconds (-1 = none). */
  gettimeout(): [block: number, total: number]
  /** tcp{master}: Listens (backlog 32 by default): the master becomes a server. */
  listen(backlog?: number | string | undefined): Promise<[ok: number] | [nil: undefined, err: string]>
  /** tcp{client}: Receives a line (`*l`, CRs dropped), everything until close (`*a`) or n bytes, within the timeout. */
  receive(pattern?: "*l" | "*a" | number | string | undefined, prefix?: string | Uint8Array | number | undefined): Promise<[data: string, nil1: undefined, nil2: undefined] | [nil: undefined, err: string, partial: string]>
  /** tcp{client}: Sends `data:sub(i, j)`; returns the index of the last byte sent. */
  send(data: string | Uint8Array | number, i?: number | string | undefined, j?: number | string | undefined): Promise<[last: number, nil1: undefined, nil2: undefined] | [nil: undefined, err: string, last: number]>
  /** tcp{any}: Unsupported on Node.js (libuv owns descriptors): raises. */
  setfd(fd: number | string): []
  /** tcp{any}: Sets an option. Raises ``unsupported option `x'`` for an unknown name. */
  setoption(option: string | Uint8Array | number, value?: unknown | undefined): [ok: number] | [nil: undefined, err: string]
  /** tcp{any}: Connects (within the timeout), trying every resolved address; the object becomes a client even when it fails. */
  setpeername(address: string | Uint8Array | number, port: string | Uint8Array | number): Promise<[ok: number] | [nil: undefined, err: string]>
  /** tcp{master}: Binds a master to a local address (`"*"` = any) and port (0 = ephemeral). */
  setsockname(address: string | Uint8Array | number, port: string | Uint8Array | number): Promise<[ok: number] | [nil: undefined, err: string]>
  /** tcp{client}: Resets the counters (an omitted one keeps its value). */
  setstats(received?: number | string | undefined, sent?: number | string | undefined, age?: number | string | undefined): [ok: number]
  /** tcp{any}: Sets the block (`b`) or total (`t` / `r`) timeout in seconds; nil or negative = no limit. Raises `invalid timeout mode`. */
  settimeout(value?: number | string | undefined, mode?: string | Uint8Array | number | undefined): [ok: number]
  /** tcp{client}: Shuts down one or both directions. */
  shutdown(how?: "both" | "send" | "receive" | undefined): [ok: number]
}

/** UDP objects. Classes: udp{unconnected}, udp{connected}. */
export interface Udp extends FacadeObjectLike {
  /** udp{any}: Closes the object (safe to repeat). Buffered received data stays readable. */
  close(): [ok: number]
  /** udp{any}: True while LuaSocket's 8 KiB receive buffer would hold unread bytes (always false for UDP). */
  dirty(): [dirty: boolean]
  /** udp{any}: `"inet4"` or `"inet6"` (`"unix"` for unix sockets). */
  getfamily(): [family: string]
  /** udp{any}: The descriptor, -1 when closed or before bind/connect. */
  getfd(): [fd: number]
  /** udp{any}: Reads an option (see the options table). Raises ``unsupported option `x'`` for an unknown name. */
  getoption(option: string | Uint8Array | number): [value: unknown] | [nil: undefined, err: string]
  /** udp{connected}: The peer's address. */
  getpeername(): [ip: string, port: number, family: string] | [nil: undefined, err: string]
  /** udp{any}: Local address: `ip, port, family` (`"inet"` / `"inet6"`). */
  getsockname(): [ip: string, port: number, family: string] | [nil: undefined, err: string]
  /** udp{any}: The block and total timeouts in seconds (-1 = none). */
  gettimeout(): [block: number, total: number]
  /** udp{any}: Receives one datagram (excess bytes beyond `size` are discarded). */
  receive(size?: number | string | undefined): Promise<[datagram: string] | [nil: undefined, err: string]>
  /** udp{unconnected}: Receives one datagram and its sender. */
  receivefrom(size?: number | string | undefined): Promise<[datagram: string, ip: string, port: number] | [nil: undefined, err: string]>
  /** udp{connected}: Sends a datagram to the peer; returns the bytes sent. */
  send(data: string | Uint8Array | number): Promise<[sent: number] | [nil: undefined, err: string]>
  /** udp{unconnected}: Sends a datagram to a numeric address; returns the bytes sent. */
  sendto(data: string | Uint8Array | number, ip: string | Uint8Array | number, port: string | Uint8Array | number): Promise<[sent: number] | [nil: undefined, err: string]>
  /** udp{any}: Unsupported on Node.js (libuv owns descriptors): raises. */
  setfd(fd: number | string): []
  /** udp{any}: Sets an option. Raises ``unsupported option `x'`` for an unknown name. */
  setoption(option: string | Uint8Array | number, value?: unknown | undefined): [ok: number] | [nil: undefined, err: string]
  /** udp{any}: "Connects" to a peer; `"*"` disconnects. */
  setpeername(address: string | Uint8Array | number, port?: string | Uint8Array | number | undefined): Promise<[ok: number] | [nil: undefined, err: string]>
  /** udp{unconnected}: Binds to a local address (`"*"` = any) and port. */
  setsockname(address: string | Uint8Array | number, port: string | Uint8Array | number): Promise<[ok: number] | [nil: undefined, err: string]>
  /** udp{any}: Sets the block (`b`) or total (`t` / `r`) timeout in seconds; nil or negative = no limit. Raises `invalid timeout mode`. */
  settimeout(value?: number | string | undefined, mode?: string | Uint8Array | number | undefined): [ok: number]
}

/** LuaSocket 3.1's `socket` namespace (`require "socket"`) with Lua's return conventions. */
export interface Namespace {
  /** Chunk size of socket sources. */
  readonly BLOCKSIZE: number
  /** Default UDP receive size. */
  readonly _DATAGRAMSIZE: number
  /** Not a debug build: send/receive return no elapsed time. */
  readonly _DEBUG: undefined
  /** FD_SETSIZE on Linux; select here has no such limit. */
  readonly _SETSIZE: number
  /** The invalid descriptor. */
  readonly _SOCKETINVALID: number
  /** The LuaSocket version reproduced. */
  readonly _VERSION: string
  /** A TCP server: `"*"` = 0.0.0.0, reuseaddr, tries each resolved address, listens (backlog 32). */
  bind(address: string | Uint8Array | number, port: string | Uint8Array | number, backlog?: number | string | undefined): Promise<[server: Tcp] | [nil: undefined, err: string]>
  /** `choose(t)(name, ...)` calls `t[name or "default"](...)`. */
  choose(table: ReadonlyArray<unknown> | Readonly<Record<string, unknown>>): [chooser: ((...args: Array<any>) => any)]
  /** Connects a new TCP client; binds it first when a local address is given. */
  connect(address: string | Uint8Array | number, port: string | Uint8Array | number, locaddr?: string | Uint8Array | number | undefined, locport?: string | Uint8Array | number | undefined, family?: "inet" | "inet6" | undefined): Promise<[client: Tcp] | [nil: undefined, err: string]>
  /** Connects a new TCP client over IPv4; binds it first when a local address is given. */
  connect4(address: string | Uint8Array | number, port: string | Uint8Array | number, locaddr?: string | Uint8Array | number | undefined, locport?: string | Uint8Array | number | undefined): Promise<[client: Tcp] | [nil: undefined, err: string]>
  /** Connects a new TCP client over IPv6; binds it first when a local address is given. */
  connect6(address: string | Uint8Array | number, port: string | Uint8Array | number, locaddr?: string | Uint8Array | number | undefined, locport?: string | Uint8Array | number | undefined): Promise<[client: Tcp] | [nil: undefined, err: string]>
  /** Seconds since the epoch (microsecond resolution). */
  gettime(): [seconds: number]
  /** A `try` that calls `finalizer` (not awaited in TypeScript) before raising. */
  newtry(finalizer?: ((...args: Array<any>) => any) | undefined): [try_: ((...args: Array<any>) => any)]
  /** Wraps `f` so that errors raised by `try` come back as `nil, err` (other errors pass through). */
  protect(f: ((...args: Array<any>) => any)): [protected_: ((...args: Array<any>) => any)]
  /** Waits until a socket is readable / writable (no descriptor limit). TypeScript gets arrays; the Lua runtime also keys them by socket. */
  select(recvt?: ReadonlyArray<unknown> | Readonly<Record<string, unknown>> | undefined, sendt?: ReadonlyArray<unknown> | Readonly<Record<string, unknown>> | undefined, timeout?: number | string | undefined): Promise<[readable: any, writable: any] | [readable: any, writable: any, err: "timeout"]>
  /** An ltn12 sink that sends each chunk to the socket. */
  sink(mode: "keep-open" | "close-when-done" | "http-chunked" | undefined, socket: Tcp): [sink: ((...args: Array<any>) => any)]
  /** The sink factories by mode. */
  readonly sinkt: Readonly<Record<string, any>>
  /** Its arguments after the first `d`. */
  skip(d: number | string, ...rest: Array<unknown>): Array<any>
  /** Sleeps (0 or negative: returns at once). */
  sleep(seconds: number | string): Promise<[]>
  /** An ltn12 source that receives from the socket (2048-byte chunks). */
  source(mode: "until-closed" | "by-length" | "http-chunked" | undefined, socket: Tcp, length?: number | string | undefined): [source: ((...args: Array<any>) => any)]
  /** The source factories by mode. */
  readonly sourcet: Readonly<Record<string, any>>
  /** A new TCP master object (family chosen by bind/connect). */
  tcp(): [object: Tcp] | [nil: undefined, err: string]
  /** A new TCP master object (IPv4). */
  tcp4(): [object: Tcp] | [nil: undefined, err: string]
  /** A new TCP master object (IPv6, ipv6-v6only set). */
  tcp6(): [object: Tcp] | [nil: undefined, err: string]
  /** Returns its arguments when the first is truthy; else raises the second, for `protect` to catch. */
  try(...rest: Array<unknown>): Array<any>
  /** A new unconnected UDP object (family chosen by bind/connect). */
  udp(): [object: Udp] | [nil: undefined, err: string]
  /** A new unconnected UDP object (IPv4). */
  udp4(): [object: Udp] | [nil: undefined, err: string]
  /** A new unconnected UDP object (IPv6, ipv6-v6only set). */
  udp6(): [object: Udp] | [nil: undefined, err: string]
  readonly dns: {
    /** `{{family = "inet"|"inet6", addr = ...}, ...}` in resolver order. */
    getaddrinfo(host: string | Uint8Array | number): Promise<[addresses: any] | [nil: undefined, err: string]>
    /** This machine's host name. */
    gethostname(): [name: string]
    /** Names of a host and the name of a service. */
    getnameinfo(host?: string | Uint8Array | number | undefined, service?: string | Uint8Array | number | undefined): Promise<[names: any, service: string] | [nil: undefined, err: string]>
    /** The canonical name of an address or name, and `{name, alias, ip}`. */
    tohostname(address: string | Uint8Array | number): Promise<[name: string, info: any] | [nil: undefined, err: string]>
    /** The first IPv4 address of a name, and `{name, alias, ip}`. */
    toip(address: string | Uint8Array | number): Promise<[ip: string, info: any] | [nil: undefined, err: string]>
  }
  readonly headers: {
    /** Lower-case header names to their canonic spelling. */
    readonly canonic: Readonly<Record<string, any>>
  }
}
