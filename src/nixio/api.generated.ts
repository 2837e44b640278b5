// Generated from the nixio spec (src/facade) by src/facade/generate.ts: do not edit, run `npm run generate`.

/** Every object of this facade. */
export interface FacadeObjectLike {
  readonly className: string
  tostring(): string
}

/** A nixio socket (IPv4, IPv6, unix). Classes: nixio.socket. */
export interface Socket extends FacadeObjectLike {
  /** nixio.socket: A connection: the new (blocking) socket and the peer's host and port (unix sockets: the socket alone). Waits on a blocking socket (within rcvtimeo); `false, 11, ...` when none is pending on a non-blocking one. */
  accept(): Promise<[socket: Socket, host: string, port: number] | [_nil_false: undefined | false, errno: number, message: string]>
  /** nixio.socket: Binds to `host` (nil: any address) and `port` (a number or service name); unix sockets take `host` as the path (a leading NUL: abstract). Does not listen. A stream socket's address is recorded and taken by listen / connect (Node.js binds then). */
  bind(host?: string | Uint8Array | number | undefined, port?: string | Uint8Array | number | undefined): Promise<[ok: true] | [_nil_false: undefined | false, errno: number, message: string]>
  /** nixio.socket: Closes the socket: true. Any later call raises `invalid socket object`. */
  close(): [ok: true]
  /** nixio.socket: Connects to `host` (nil: localhost, IPv6 first) and `port`, trying each address in turn; unix sockets take `host` as the path. A non-blocking stream socket answers `nil, 115, "Operation now in progress"` and connects in the background. */
  connect(host?: string | Uint8Array | number | undefined, port?: string | Uint8Array | number | undefined): Promise<[ok: true] | [_nil_false: undefined | false, errno: number, message: string]>
  /** nixio.socket: The descriptor (-1 until Node.js has created it: a stream socket before listen / connect). */
  fileno(): [fd: number]
  /** nixio.socket: An option's value (flags as 0 / 1; `sndtimeo` / `rcvtimeo` as seconds, microseconds). Levels and options as nixio's; those Node.js cannot read answer `nil, 95, "Operation not supported: ..."`. */
  getopt(level: "socket" | "tcp" | "ip" | "ipv6", option: string | Uint8Array | number): [value: number | string, usec: number | undefined] | [_nil_false: undefined | false, errno: number, message: string]
  /** nixio.socket: The peer's host and port. */
  getpeername(): [host: string, port: number] | [_nil_false: undefined | false, errno: number, message: string]
  /** nixio.socket: The local host and port (the any address and 0 before bind). */
  getsockname(): [host: string, port: number] | [_nil_false: undefined | false, errno: number, message: string]
  /** nixio.socket: An option's value (flags as 0 / 1; `sndtimeo` / `rcvtimeo` as seconds, microseconds). Levels and options as nixio's; those Node.js cannot read answer `nil, 95, "Operation not supported: ..."`. */
  getsockopt(level: "socket" | "tcp" | "ip" | "ipv6", option: string | Uint8Array | number): [value: number | string, usec: number | undefined] | [_nil_false: undefined | false, errno: number, message: string]
  /** nixio.socket: Listens for connections (binding to the any address and an ephemeral port when not bound); `backlog` is required. */
  listen(backlog: number | string): Promise<[ok: true] | [_nil_false: undefined | false, errno: number, message: string]>
  /** nixio.socket: At most `length` bytes (capped at 8192; UDP: one datagram, cut to that), `""` at the end of a stream. */
  read(length: number | string): Promise<[data: string] | [_nil_false: undefined | false, errno: number, message: string]>
  /** nixio.socket: At most `length` bytes (capped at 8192; UDP: one datagram, cut to that), `""` at the end of a stream. */
  recv(length: number | string): Promise<[data: string] | [_nil_false: undefined | false, errno: number, message: string]>
  /** nixio.socket: recv and, for datagram sockets, the sender's host and port (stream sockets: the data alone, as the kernel gives no address). */
  recvfrom(length: number | string): Promise<[data: string, host: string, port: number] | [_nil_false: undefined | false, errno: number, message: string]>
  /** nixio.socket: Sends `buffer` from the 0-based `offset`, at most `length` bytes: the bytes written (maybe fewer; `false, 11, ...` when none fit a non-blocking socket). */
  send(buffer: string | Uint8Array | number, offset?: number | string | undefined, length?: number | string | undefined): Promise<[sent: number] | [_nil_false: undefined | false, errno: number, message: string]>
  /** nixio.socket: send to a numeric `host` and `port` (datagram sockets; stream sockets ignore the address, as Linux does). */
  sendto(buffer: string | Uint8Array | number, host: string | Uint8Array | number, port?: number | string | undefined, offset?: number | string | undefined, length?: number | string | undefined): Promise<[sent: number] | [_nil_false: undefined | false, errno: number, message: string]>
  /** nixio.socket: true: calls wait (the default); false: they answer `false, 11, "Resource temporarily unavailable"` when they would have to. */
  setblocking(blocking: boolean): [ok: true]
  /** nixio.socket: Sets an option (flags as integers; `linger` seconds, 0 = off; `sndtimeo` / `rcvtimeo` seconds[, microseconds]; memberships group[, interface]). Those Node.js cannot set answer `nil, 95, "Operation not supported: ..."`. */
  setopt(level: "socket" | "tcp" | "ip" | "ipv6", option: string | Uint8Array | number, value: number | string | Uint8Array, value2?: number | string | Uint8Array | undefined): [ok: true] | [_nil_false: undefined | false, errno: number, message: string]
  /** nixio.socket: Sets an option (flags as integers; `linger` seconds, 0 = off; `sndtimeo` / `rcvtimeo` seconds[, microseconds]; memberships group[, interface]). Those Node.js cannot set answer `nil, 95, "Operation not supported: ..."`. */
  setsockopt(level: "socket" | "tcp" | "ip" | "ipv6", option: string | Uint8Array | number, value: number | string | Uint8Array, value2?: number | string | Uint8Array | undefined): [ok: true] | [_nil_false: undefined | false, errno: number, message: string]
  /** nixio.socket: Shuts down both directions (`rdwr` / `both`, the default), receiving (`rd` / `read`) or sending (`wr` / `write`). */
  shutdown(how?: "rdwr" | "both" | "rd" | "read" | "wr" | "write" | undefined): [ok: true] | [_nil_false: undefined | false, errno: number, message: string]
  /** nixio.socket: Sends `buffer` from the 0-based `offset`, at most `length` bytes: the bytes written (maybe fewer; `false, 11, ...` when none fit a non-blocking socket). */
  write(buffer: string | Uint8Array | number, offset?: number | string | undefined, length?: number | string | undefined): Promise<[sent: number] | [_nil_false: undefined | false, errno: number, message: string]>
}

/** nixio's sockets (`require "nixio"`): `nixio.socket` / `bind` / `connect` and the `Socket` object, blocking by default; failures are `nil, errno, message` (false for EAGAIN). */
export interface Namespace {
  /** A new socket with SO_REUSEADDR bound to `host` (nil: any address) and `port`, trying each address in turn. Does not listen. */
  bind(host: string | Uint8Array | number | undefined, port: string | Uint8Array | number, family?: "any" | "inet" | "inet6" | undefined, type?: "stream" | "dgram" | "any" | undefined): Promise<[socket: Socket] | [_nil_false: undefined | false, errno: number, message: string]>
  /** A new socket connected to `host` (nil: localhost) and `port`, trying each address in turn. */
  connect(host: string | Uint8Array | number | undefined, port: string | Uint8Array | number, family?: "any" | "inet" | "inet6" | undefined, type?: "stream" | "dgram" | "any" | undefined): Promise<[socket: Socket] | [_nil_false: undefined | false, errno: number, message: string]>
  /** A new, unbound socket (blocking). Raw and ICMP sockets and unix datagram sockets answer `nil, 95, "Operation not supported: ..."` (Node.js has none). */
  socket(domain: "inet" | "inet6" | "unix", type: "stream" | "dgram" | "raw", proto?: string | Uint8Array | number | undefined): [socket: Socket] | [_nil_false: undefined | false, errno: number, message: string]
  readonly const: {
    /** The most a recv returns. */
    readonly buffersize: number
  }
}
