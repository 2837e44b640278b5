// Generated from the inet spec (src/facade) by src/facade/generate.ts: do not edit, run `npm run generate`.

/** Every object of this facade. */
export interface FacadeObjectLike {
  readonly className: string
  tostring(): string
}

/** TCP sockets made by `inet.tcp()`. Classes: inet.tcp. */
export interface Tcp extends FacadeObjectLike {
  /** `sock.STREAM` (1). */
  readonly type: number
  /** `ipproto.TCP` (6). */
  readonly proto: number
  /** inet.tcp: Waits for a connection and returns it as a raw `socket` (addresses as integers). With `sock.NONBLOCK` (or `msg.DONTWAIT`) raises `EAGAIN` when none is pending. */
  accept(flags?: number | string | undefined): Promise<[socket: Socket]>
  /** inet.tcp: `"*"` = INADDR_ANY. Node binds a TCP socket when it listens or connects: a port in use raises `EADDRINUSE` from `listen`. */
  bind(addr: string | Uint8Array | number, port: number | string): []
  /** inet.tcp: Closes the socket (safe to repeat). */
  close(): []
  /** inet.tcp: Connects (waiting for the handshake); raises e.g. `ECONNREFUSED`, `EISCONN`. */
  connect(addr: string | Uint8Array | number, port: number | string, flags?: number | string | undefined): Promise<[]>
  /** inet.tcp: The peer's address. Raises `ENOTCONN` when not connected. */
  getpeername(): [ip: string, port: number]
  /** inet.tcp: The local address; `0.0.0.0`, 0 before bind. */
  getsockname(): [ip: string, port: number]
  /** inet.tcp: Listens (backlog: SOMAXCONN by default); binds to 0.0.0.0 and an ephemeral port when not bound. Listening again only changes nothing. */
  listen(backlog?: number | string | undefined): Promise<[]>
  /** inet.tcp: Up to `len` bytes, waiting while none are buffered; `""` at the end of the stream. `from`: also the peer's IP (integer) and port. `msg.WAITALL`: `len` bytes (fewer at the end); `msg.DONTWAIT`: raises `EAGAIN` instead of waiting. */
  receive(len: number | string, flags?: number | string | undefined, from?: boolean | undefined): Promise<[data: string, ip: number | undefined, port: number | undefined]>
  /** inet.tcp: Sends the bytes (an address is checked but, as by Linux for TCP, not used); returns the count. Raises `EPIPE` when not connected or the peer is gone. */
  send(msg: string | Uint8Array | number, addr?: string | Uint8Array | number | undefined, port?: number | string | undefined): Promise<[sent: number]>
}

/** UDP sockets made by `inet.udp()`. Classes: inet.udp. */
export interface Udp extends FacadeObjectLike {
  /** `sock.DGRAM` (2). */
  readonly type: number
  /** `ipproto.UDP` (17). */
  readonly proto: number
  /** inet.udp: `"*"` = INADDR_ANY; port 0 = ephemeral. Raises e.g. `EADDRINUSE`, `EINVAL` (bound already). */
  bind(addr: string | Uint8Array | number, port: number | string): []
  /** inet.udp: Closes the socket (safe to repeat). */
  close(): []
  /** inet.udp: Sets the peer: `send` without an address goes there, and only its datagrams are received. */
  connect(addr: string | Uint8Array | number, port: number | string, flags?: number | string | undefined): Promise<[]>
  /** inet.udp: The peer's address. Raises `ENOTCONN` when not connected. */
  getpeername(): [ip: string, port: number]
  /** inet.udp: The local address; `0.0.0.0`, 0 before bind. */
  getsockname(): [ip: string, port: number]
  /** inet.udp: One datagram, cut to `len` bytes (the rest is discarded). `from`: also the sender's IP (integer, lunatik's raw form) and port. `msg.DONTWAIT`: raises `EAGAIN` instead of waiting. */
  receive(len: number | string, flags?: number | string | undefined, from?: boolean | undefined): Promise<[data: string, ip: number | undefined, port: number | undefined]>
  /** inet.udp: One datagram and its sender's dotted-quad IP and port (`receive(len, flags, true)` through `net.ntoa`). */
  receivefrom(len: number | string, flags?: number | string | undefined): Promise<[data: string, ip: string, port: number]>
  /** inet.udp: Sends one datagram to `addr`, `port` (or to the peer of a connected socket); returns the bytes sent. Raises `EDESTADDRREQ` without an address on an unconnected socket. */
  send(msg: string | Uint8Array | number, addr?: string | Uint8Array | number | undefined, port?: number | string | undefined): Promise<[sent: number]>
  /** inet.udp: Sends one datagram to `addr`, `port` (or to the peer of a connected socket); returns the bytes sent. Raises `EDESTADDRREQ` without an address on an unconnected socket. */
  sendto(msg: string | Uint8Array | number, addr?: string | Uint8Array | number | undefined, port?: number | string | undefined): Promise<[sent: number]>
}

/** Lunatik's raw socket: what `accept` returns (a connected TCP socket; addresses are integers, as `net.aton` gives them). Classes: socket. */
export interface Socket extends FacadeObjectLike {
  /** socket: Waits for a connection and returns it as a raw `socket` (addresses as integers). With `sock.NONBLOCK` (or `msg.DONTWAIT`) raises `EAGAIN` when none is pending. */
  accept(flags?: number | string | undefined): Promise<[socket: Socket]>
  /** socket: `"*"` = INADDR_ANY. Node binds a TCP socket when it listens or connects: a port in use raises `EADDRINUSE` from `listen`. */
  bind(addr: string | Uint8Array | number, port: number | string): []
  /** socket: Closes the socket (safe to repeat). */
  close(): []
  /** socket: Connects (waiting for the handshake); raises e.g. `ECONNREFUSED`, `EISCONN`. */
  connect(addr: string | Uint8Array | number, port: number | string, flags?: number | string | undefined): Promise<[]>
  /** socket: The peer's address. Raises `ENOTCONN` when not connected. */
  getpeername(): [ip: number, port: number]
  /** socket: The local address (the IP as an integer, as `net.aton` gives it); `0.0.0.0`, 0 before bind. */
  getsockname(): [ip: number, port: number]
  /** socket: Listens (backlog: SOMAXCONN by default); binds to 0.0.0.0 and an ephemeral port when not bound. Listening again only changes nothing. */
  listen(backlog?: number | string | undefined): Promise<[]>
  /** socket: Up to `len` bytes, waiting while none are buffered; `""` at the end of the stream. `from`: also the peer's IP (integer) and port. `msg.WAITALL`: `len` bytes (fewer at the end); `msg.DONTWAIT`: raises `EAGAIN` instead of waiting. */
  receive(len: number | string, flags?: number | string | undefined, from?: boolean | undefined): Promise<[data: string, ip: number | undefined, port: number | undefined]>
  /** socket: Sends the bytes (an address is checked but, as by Linux for TCP, not used); returns the count. Raises `EPIPE` when not connected or the peer is gone. */
  send(msg: string | Uint8Array | number, addr?: string | Uint8Array | number | undefined, port?: number | string | undefined): Promise<[sent: number]>
}

/** lunatik's `socket.inet` (IPv4 TCP and UDP sockets for Lua in the Linux kernel) on Node.js: failures raise errno names (`"ECONNREFUSED"`), addresses are dotted quads or `net.aton` integers, flags are numbers. */
export interface Namespace {
  /** Lua's `inet(type[, proto])` (the `__call` metamethod; in TypeScript the `inet` export is callable too): a socket of `sock.STREAM` or `sock.DGRAM`. Lunatik's base class has no type, so a bare `inet()` raises there as here (`number expected`). Raises `ESOCKTNOSUPPORT` / `EPROTONOSUPPORT` for other types and protocols. */
  __call(type: number | string, proto?: number | string | undefined): [socket: Tcp | Udp]
  /** The loopback address. */
  readonly localhost: string
  /** Lua's `inet:new{type = ..., proto = ...}` followed by the call that opens it: lunatik's `new` makes an unopened prototype, which Node has no use for, so this opens the socket at once. Needs a numeric `type` field. */
  "new"(o?: ReadonlyArray<unknown> | Readonly<Record<string, unknown>> | undefined): [socket: Tcp | Udp]
  /** A new TCP socket (`inet.tcp()`): fields `type` = `sock.STREAM`, `proto` = `ipproto.TCP`. */
  tcp(): [socket: Tcp]
  /** A new UDP socket (`inet.udp()`): fields `type` = `sock.DGRAM`, `proto` = `ipproto.UDP`. */
  udp(): [socket: Udp]
  readonly af: {
    /** Address family (lunatik's `socket.af.INET`). */
    readonly INET: number
  }
  readonly ipproto: {
    /** Protocol (lunatik's `socket.ipproto.IP`). */
    readonly IP: number
    /** Protocol (lunatik's `socket.ipproto.TCP`). */
    readonly TCP: number
    /** Protocol (lunatik's `socket.ipproto.UDP`). */
    readonly UDP: number
  }
  readonly msg: {
    /** Message flag (lunatik's `socket.msg.DONTWAIT`). receive: raise `EAGAIN` instead of waiting (accept too). */
    readonly DONTWAIT: number
    /** Message flag (lunatik's `socket.msg.NOSIGNAL`). Accepted, no effect (Node.js never raises SIGPIPE). */
    readonly NOSIGNAL: number
    /** Message flag (lunatik's `socket.msg.OOB`). Not supported (raises). */
    readonly OOB: number
    /** Message flag (lunatik's `socket.msg.PEEK`). Not supported (raises): Node.js cannot peek. */
    readonly PEEK: number
    /** Message flag (lunatik's `socket.msg.TRUNC`). Not supported (raises). */
    readonly TRUNC: number
    /** Message flag (lunatik's `socket.msg.WAITALL`). receive (TCP): wait for `len` bytes. */
    readonly WAITALL: number
  }
  readonly net: {
    /** Dotted quad to integer (`"127.0.0.1"` -> 2130706433). Raises `invalid IPv4 address: x` for anything `net.ntoa` would not print. Lua: `require "net"` is this table. */
    aton(addr: string | Uint8Array | number): [ip: number]
    /** Integer to dotted quad (only the low 32 bits count). */
    ntoa(ip: number | string): [addr: string]
  }
  readonly sock: {
    /** accept flag (lunatik's `socket.sock.CLOEXEC`). */
    readonly CLOEXEC: number
    /** Socket type (lunatik's `socket.sock.DGRAM`). */
    readonly DGRAM: number
    /** accept flag (lunatik's `socket.sock.NONBLOCK`). */
    readonly NONBLOCK: number
    /** Socket type (lunatik's `socket.sock.STREAM`). */
    readonly STREAM: number
  }
}
