/**
 * effect-luasocket: the Effect core.
 *
 * @since 0.1.0
 */
export * as Address from "./core/Address.js"
export * as Dns from "./core/Dns.js"
export * as NetError from "./core/NetError.js"
export * as ReadBuffer from "./core/ReadBuffer.js"
export * as Select from "./core/Select.js"
export * as Streams from "./core/Streams.js"
export * as Tcp from "./core/Tcp.js"
export * as Timeout from "./core/Timeout.js"
export * as Try from "./core/Try.js"
export * as Udp from "./core/Udp.js"
