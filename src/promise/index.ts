/**
 * effect-luasocket/promise: the core's sockets for plain TypeScript. Everything that
 * waits returns a Promise; failures are thrown as the core's `NetError` classes (the
 * same classes as `effect-luasocket`'s, so `instanceof` and `_tag` work); every waiting
 * call takes an `AbortSignal` and a `timeout`; sockets are `AsyncDisposable` and
 * async-iterable. See docs/promise.md.
 *
 * @since 0.1.0
 */
export {
  type CallOptions,
  type ChunksOptions,
  connect,
  type ConnectOptions,
  type LinesOptions,
  listen,
  type ListenOptions,
  type ReceiveOptions,
  type SocketOptions,
  TcpClient,
  TcpServer
} from "./Tcp.js"
export { type Datagram, udp, type UdpCallOptions, type UdpOptions, type UdpReceiveOptions, UdpSocket } from "./Udp.js"
export { select, type SelectOptions } from "./Select.js"
export * as dns from "./Dns.js"
export { type DnsOptions, getAddrInfo, getHostname, getInterfaces, getNameInfo, resolve, toHostname, toIp } from "./Dns.js"
export { decodeLimit, decodePattern, decodeTimeout, type Limit, type PatternInput, type TimeoutInput } from "./options.js"
export * as NetError from "../core/NetError.js"
