/**
 * The nixio facade over real loopback sockets (127.0.0.1, ::1, unix paths and abstract
 * names), no mocks: nixio's conventions (blocking by default; `nil|false, errno, message`
 * failures with false for EAGAIN; `""` at the end of a stream; the 8192-byte receive cap;
 * 0-based offset / length sends), its raised errors, socket options, binary data, closing,
 * and property tests of the pure pieces (send window, receive length, option decoding,
 * errno mapping). Expected values follow spec/reference-semantics.md section 3 and nixio's
 * C sources; errno numbers and texts are Linux's (as Python's `errno` / `os.strerror` give).
 */
import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import * as NetError from "../../src/core/NetError.js"
import { BUFFER_SIZE, NixioSocket, optionOf, receiveLength, sendWindow, shutdownModes } from "../../src/facade/nixio.js"
import nixio, { type Socket } from "../../src/nixio/index.js"
import { ALL_BYTES, hasIPv6Loopback, leavesNoDescriptor, raised, raisedAsync, unixPaths } from "./raises.js"

// ---- helpers ---------------------------------------------------------------------------

type Any = any

const EAGAIN = [false, 11, "Resource temporarily unavailable"]


const unixPath = unixPaths("nixio-")
let count = 0

const ok = (r: ReadonlyArray<unknown>): Socket => {
  if (!(r[0] instanceof NixioSocket)) throw new Error(`expected a socket, got ${JSON.stringify(r)}`)
  return r[0] as unknown as Socket
}

const portOf = (s: Socket): number => (s.getsockname() as Any)[1]

/** A listening server and a connected pair over `host`. */
const tcpPair = async (host = "127.0.0.1") => {
  const server = ok(await nixio.bind(host, 0))
  expect(await server.listen(8)).toEqual([true])
  const client = ok(await nixio.connect(host, portOf(server)))
  const [conn, peerHost, peerPort] = (await server.accept()) as Any
  expect(conn).toBeInstanceOf(NixioSocket)
  return { server, client, conn: conn as Socket, peerHost, peerPort }
}

const readAll = async (s: Socket, n: number): Promise<string> => {
  let got = ""
  while (got.length < n) {
    const [data] = (await s.recv(n - got.length)) as Any
    if (typeof data !== "string" || data === "") throw new Error(`recv gave ${JSON.stringify(data)} after ${got.length} bytes`)
    got += data
  }
  return got
}


/** The first two results of a failure: nil|false and the errno (awaits a Promise). */
const errnoOf = (r: unknown): unknown => (r instanceof Promise ? r.then((x: Any) => x.slice(0, 2)) : (r as Any).slice(0, 2))

const closeAll = (...all: Array<Socket>) => {
  for (const s of all) if (s.fileno !== undefined && (s as Any).core?.isClosed === false) s.close()
}

// ---- pure pieces -----------------------------------------------------------------------

/** C's arithmetic of nixio_sock__sendto, on explicit 32/64-bit values. */
const modelWindow = (size: number, offset: number | undefined, length: number | undefined) => {
  let data = 0
  let len = BigInt(size)
  const off = offset === undefined ? 0 : Number(BigInt.asIntN(32, BigInt(offset)))
  if (off !== 0) {
    if (BigInt.asUintN(64, BigInt(off)) < len) {
      data = off
      len -= BigInt(off)
    } else len = 0n
  }
  const wlen = length === undefined ? BigInt.asUintN(32, len) : BigInt.asUintN(32, BigInt(length))
  if (wlen < len) len = wlen
  return { start: data, end: data + Number(len) }
}

describe("nixio pure pieces", () => {
  const arg = fc.option(fc.oneof(fc.integer({ min: -20, max: 300 }), fc.integer(), fc.constantFrom(2 ** 32, 2 ** 32 + 5, -(2 ** 32))), { nil: undefined })

  it.prop("send window: C's offset / length arithmetic", [fc.integer({ min: 0, max: 256 }), arg, arg], ([size, offset, length]) => {
    const w = sendWindow(size, offset, length)
    expect(w).toEqual(modelWindow(size, offset, length))
    expect(w.start).toBeGreaterThanOrEqual(0)
    expect(w.end).toBeLessThanOrEqual(size)
    expect(w.end).toBeGreaterThanOrEqual(w.start)
  })

  it.prop("send window: offset and length in range select buffer:sub(offset + 1, offset + length)", [fc.string({ maxLength: 40 }), fc.nat(50), fc.nat(50)], ([s, o, l]) => {
    const w = sendWindow(s.length, o, l)
    expect(s.slice(w.start, w.end)).toBe(o === 0 || o < s.length ? s.slice(o, o + l) : "")
  })

  it.prop("receive length: a C uint capped at 8192", [fc.integer({ min: -(2 ** 40), max: 2 ** 40 })], ([n]) => {
    const u = Number(BigInt.asUintN(32, BigInt(n)))
    expect(receiveLength(n)).toBe(Math.min(u, BUFFER_SIZE))
  })

  it("shutdown names", () => {
    expect(shutdownModes).toEqual({ rdwr: "both", both: "both", rd: "receive", read: "receive", wr: "send", write: "send" })
  })

  const levels = {
    socket: ["keepalive", "reuseaddr", "rcvbuf", "sndbuf", "priority", "broadcast", "dontroute", "error", "oobinline", "linger", "sndtimeo", "rcvtimeo", "bindtodevice"],
    tcp: ["cork", "nodelay"],
    ip: ["mtu", "hdrincl", "multicast_loop", "multicast_ttl", "multicast_if", "add_membership", "drop_membership"],
    ipv6: ["mtu", "v6only", "multicast_loop", "multicast_hops", "multicast_if", "add_membership", "drop_membership"]
  }
  const socketArb = fc.record({ stream: fc.boolean(), family: fc.constantFrom("inet" as const, "inet6" as const, "unix" as const) })

  it.prop(
    "options: every option of nixio's table decodes to a handler; unknown levels / options raise at their position",
    [fc.constantFrom(...Object.keys(levels), "bogus", ""), fc.oneof(fc.constantFrom(...Object.values(levels).flat()), fc.string({ maxLength: 8 })), socketArb],
    ([level, option, socket]) => {
      const known = (levels as Record<string, Array<string>>)[level]
      if (known === undefined) {
        expect(() => optionOf(level, option, socket)).toThrow("supported values: socket, tcp, ip, ipv6")
        return
      }
      if (!known.includes(option)) {
        try {
          optionOf(level, option, socket)
          throw new Error("no raise")
        } catch (e) {
          expect((e as Any).at).toBe(1)
          expect((e as Error).message).toMatch(/^supported values: /)
        }
        return
      }
      const { handler } = optionOf(level, option, socket)
      if (level === "tcp" && (!socket.stream || socket.family === "unix")) expect(handler._tag).toBe("NoProtocol")
      if (option === "error" && level === "socket") expect(handler._tag).toBe("Error")
      if ((option === "rcvtimeo" || option === "sndtimeo") && level === "socket") expect(handler._tag).toBe("Timeout")
      if (handler._tag === "Unsupported") expect(handler.why).toContain(`${level}.${option}`)
    }
  )

  const codes = {
    EPERM: 1, EBADF: 9, EAGAIN: 11, EINVAL: 22, EPIPE: 32, EDOM: 33, EDESTADDRREQ: 89, ENOPROTOOPT: 92, EOPNOTSUPP: 95, EAFNOSUPPORT: 97,
    EADDRINUSE: 98, EADDRNOTAVAIL: 99, ENETUNREACH: 101, ECONNRESET: 104, EISCONN: 106, ENOTCONN: 107, ETIMEDOUT: 110, ECONNREFUSED: 111,
    EHOSTUNREACH: 113, EALREADY: 114, EINPROGRESS: 115, EAI_NONAME: -2, EAI_AGAIN: -3, EAI_SERVICE: -8, EAI_ADDRFAMILY: -9
  }
  it.prop("errno: Linux's numbers, glibc's negative EAI_* values, whatever the kind the code sits on", [fc.constantFrom(...Object.keys(codes))], ([code]) => {
    const o = NetError.osErrorOfCode(code)
    expect(o.errno).toBe((codes as Record<string, number>)[code])
    expect(o.code).toBe(code)
    expect(o.message.length).toBeGreaterThan(0)
  })

  it("errno of errors without an OS code: the usual one of their kind", () => {
    expect(NetError.osError(new NetError.Timeout({ operation: "x" })).code).toBe("ETIMEDOUT")
    expect(NetError.osError(new NetError.HostNotFound({ operation: "x", code: "ENOTFOUND" }))).toEqual({ code: "EAI_NONAME", errno: -2, message: "Name or service not known" })
    expect(NetError.osError(new NetError.Unsupported({ operation: "x", detail: "why" })).message).toBe("Operation not supported: why")
    expect(NetError.osError(new NetError.Closed({ operation: "x", code: "ERR_STREAM_DESTROYED" })).code).toBe("EPIPE")
  })
})

// ---- namespace -------------------------------------------------------------------------

describe("nixio.socket / bind / connect", () => {
  it("nixio.socket makes unbound sockets; what Node.js lacks answers EOPNOTSUPP", () => {
    const s = ok(nixio.socket("inet", "stream"))
    expect(s.tostring()).toBe("nixio socket -1")
    expect(s.fileno()).toEqual([-1])
    expect(s.getsockname()).toEqual(["0.0.0.0", 0])
    expect(s.getpeername()).toEqual([undefined, 107, "Transport endpoint is not connected"])
    s.close()
    const d = ok(nixio.socket("inet6", "dgram"))
    expect(d.getsockname()).toEqual(["::", 0])
    d.close()
    ok(nixio.socket("unix", "stream")).close()
    expect(nixio.socket("unix", "dgram")).toEqual([undefined, 95, "Operation not supported: Node.js has no unix domain datagram sockets"])
    expect(nixio.socket("inet", "raw")).toEqual([undefined, 95, "Operation not supported: Node.js has no raw or ICMP sockets"])
    expect(nixio.socket("inet", "dgram", "icmp")).toEqual([undefined, 95, "Operation not supported: Node.js has no raw or ICMP sockets"])
    expect(nixio.const.buffersize).toBe(8192)
  })

  it("nixio.socket raises nixio's messages", () => {
    expect(raised(() => (nixio.socket as Any)())).toBe("bad argument #1 to 'socket' (supported values: inet, inet6, unix, packet)")
    expect(raised(() => nixio.socket("inet", "seq" as Any))).toBe("bad argument #2 to 'socket' (supported values: stream, dgram, raw)")
    expect(raised(() => nixio.socket("inet", "stream", "tcp"))).toBe("bad argument #3 to 'socket' (supported values: [empty], icmp, icmpv6)")
  })

  it("bind / connect raise for bad families and types", async () => {
    expect(await raisedAsync(nixio.bind("127.0.0.1", 0, "unix" as Any))).toBe("bad argument #3 to 'bind' (supported values: any, inet, inet6)")
    expect(await raisedAsync(nixio.connect("127.0.0.1", 0, "any", "seq" as Any))).toBe("bad argument #4 to 'connect' (supported values: any, stream, dgram)")
    expect(await raisedAsync((nixio.connect as Any)("127.0.0.1"))).toBe("bad argument #2 to 'connect' (string expected, got no value)")
  })

  it("failures: nil, errno, message (resolver failures with glibc's EAI numbers)", async () => {
    const probe = ok(await nixio.bind("127.0.0.1", 0))
    await probe.listen(1)
    const port = portOf(probe)
    probe.close()
    expect(await nixio.connect("127.0.0.1", port)).toEqual([undefined, 111, "Connection refused"])
    expect(await nixio.connect("127.0.0.1", String(port), "inet")).toEqual([undefined, 111, "Connection refused"])
    expect(await nixio.connect("no-such-host.invalid", 80)).toEqual([undefined, -2, "Name or service not known"])
    expect(await nixio.connect("127.0.0.1", "no-such-service")).toEqual([undefined, -8, "Servname not supported for ai_socktype"])
    // A service name: echo is 7/tcp, where nothing listens.
    expect(await nixio.connect("127.0.0.1", "echo")).toEqual([undefined, 111, "Connection refused"])
    expect(await nixio.bind("192.0.2.123", 0, "any", "dgram")).toEqual([undefined, 99, "Cannot assign requested address"])
  })

  it("bind sets SO_REUSEADDR and does not listen; the address is taken by listen", async () => {
    const s = ok(await nixio.bind("127.0.0.1", 0))
    expect(s.getopt("socket", "reuseaddr")).toEqual([1])
    expect(s.fileno()).toEqual([-1]) // Node.js makes the descriptor when it listens
    expect(await s.accept()).toEqual([undefined, 22, "Invalid argument"])
    expect(await s.listen(4)).toEqual([true])
    expect(s.fileno()[0]).toBeGreaterThan(2)
    expect(await s.listen(4)).toEqual([true])
    // a port a server of this process listens on is refused at bind, as in C
    expect(await nixio.bind("127.0.0.1", portOf(s))).toEqual([undefined, 98, "Address already in use"])
    closeAll(s)
  })

  it("bind without a host binds the any address", async () => {
    const s = ok(await nixio.bind(undefined, 0))
    await s.listen(1)
    expect(s.getsockname()[0]).toBe("0.0.0.0")
    s.close()
  })
})

// ---- TCP -------------------------------------------------------------------------------

describe("nixio TCP", () => {
  it("accept: socket, host, port; getsockname / getpeername; tostring and fileno", async () => {
    const { server, client, conn, peerHost, peerPort } = await tcpPair()
    expect(peerHost).toBe("127.0.0.1")
    expect(client.getsockname()).toEqual(["127.0.0.1", peerPort])
    expect(client.getpeername()).toEqual(["127.0.0.1", portOf(server)])
    expect(conn.getpeername()).toEqual(["127.0.0.1", peerPort])
    const [fd] = conn.fileno() as Any
    expect(fd).toBeGreaterThan(2)
    expect(conn.tostring()).toBe(`nixio socket ${fd}`)
    closeAll(client, conn, server)
  })

  it("recv waits for data (blocking), gives at most 8192 bytes and \"\" at the end of the stream", async () => {
    const { server, client, conn } = await tcpPair()
    const pending = conn.recv(10)
    setTimeout(() => void client.send("late"), 30)
    expect(await pending).toEqual(["late"])
    const big = "b".repeat(20000)
    expect(await client.send(big)).toEqual([20000])
    await new Promise((r) => setTimeout(r, 30))
    const [first] = (await conn.read(100000)) as Any
    expect(first.length).toBeLessThanOrEqual(8192)
    expect((await readAll(conn, 20000 - first.length)).length).toBe(20000 - first.length)
    expect(await conn.recv(0)).toEqual([""])
    client.close()
    expect(await conn.recv(10)).toEqual([""])
    expect(await conn.recvfrom(10)).toEqual([""])
    closeAll(conn, server)
  })

  it("send / write: 0-based offset and length; all 256 byte values and NULs", async () => {
    const { server, client, conn } = await tcpPair()
    expect(await client.send("0123456789", 2, 3)).toEqual([3])
    expect(await conn.recv(100)).toEqual(["234"])
    expect(await client.write("0123456789", 8)).toEqual([2])
    expect(await conn.recv(100)).toEqual(["89"])
    expect(await client.send("0123456789", 10)).toEqual([0])
    expect(await client.send("0123456789", -1)).toEqual([0])
    expect(await client.send("0123456789", 0, -1)).toEqual([10])
    expect(await readAll(conn, 10)).toBe("0123456789")
    const data = ALL_BYTES + "\0\0" + ALL_BYTES
    expect(await client.send(data)).toEqual([data.length])
    expect(await readAll(conn, data.length)).toBe(data)
    expect(await conn.sendto(Buffer.from(data, "latin1"), "192.0.2.1", 9)).toEqual([data.length]) // stream sockets ignore the address
    expect(await readAll(client, data.length)).toBe(data)
    closeAll(client, conn, server)
  })

  it("non-blocking: recv, accept and send answer false, 11", async () => {
    const { server, client, conn } = await tcpPair()
    conn.setblocking(false)
    expect(await conn.recv(10)).toEqual(EAGAIN)
    server.setblocking(false)
    expect(await server.accept()).toEqual(EAGAIN)
    client.setblocking(false)
    const chunk = "z".repeat(256 * 1024)
    let last: Any
    for (let i = 0; i < 400; i++) {
      last = await client.send(chunk)
      if (last[0] === false) break
    }
    expect(last).toEqual(EAGAIN)
    closeAll(client, conn, server)
  })

  it("rcvtimeo: a blocking recv gives up with false, 11 after the timeout", async () => {
    const { server, client, conn } = await tcpPair()
    expect(conn.setopt("socket", "rcvtimeo", 0, 50000)).toEqual([true])
    expect(conn.getopt("socket", "rcvtimeo")).toEqual([0, 50000])
    const t0 = Date.now()
    expect(await conn.recv(10)).toEqual(EAGAIN)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(40)
    expect(conn.setopt("socket", "rcvtimeo", 0, 2000000)).toEqual([undefined, 33, "Numerical argument out of domain"])
    expect(conn.setopt("socket", "sndtimeo", 1)).toEqual([true])
    expect(conn.getopt("socket", "sndtimeo")).toEqual([1, 0])
    server.setopt("socket", "rcvtimeo", 0, 20000)
    expect(await server.accept()).toEqual(EAGAIN)
    closeAll(client, conn, server)
  })

  it("a non-blocking connect answers EINPROGRESS and goes on in the background", async () => {
    const server = ok(await nixio.bind("127.0.0.1", 0))
    await server.listen(4)
    const c = ok(nixio.socket("inet", "stream"))
    c.setblocking(false)
    expect(await c.connect("127.0.0.1", String(portOf(server)))).toEqual([undefined, 115, "Operation now in progress"])
    expect(await c.connect("127.0.0.1", String(portOf(server)))).toEqual([undefined, 114, "Operation already in progress"])
    expect(await c.recv(1)).toEqual(EAGAIN)
    c.setblocking(true)
    const [conn] = (await server.accept()) as Any
    await conn.send("hi")
    expect(await c.recv(10)).toEqual(["hi"])
    expect(c.getopt("socket", "error")).toEqual([0])
    // refused in the background: the error comes with the next call and SO_ERROR
    const probe = ok(await nixio.bind("127.0.0.1", 0))
    await probe.listen(1)
    const port = portOf(probe)
    probe.close()
    const r = ok(nixio.socket("inet", "stream"))
    r.setblocking(false)
    expect(await r.connect("127.0.0.1", port)).toEqual([undefined, 115, "Operation now in progress"])
    r.setblocking(true)
    expect(await r.recv(1)).toEqual([undefined, 111, "Connection refused"])
    expect(r.getopt("socket", "error")).toEqual([111])
    closeAll(c, conn, r, server)
  })

  it("calls on the wrong kind of socket give the kernel's errno", async () => {
    const { server, client, conn } = await tcpPair()
    const fresh = ok(nixio.socket("inet", "stream"))
    expect(await fresh.recv(1)).toEqual([undefined, 107, "Transport endpoint is not connected"])
    expect(await fresh.send("x")).toEqual([undefined, 32, "Broken pipe"])
    expect(fresh.shutdown()).toEqual([undefined, 107, "Transport endpoint is not connected"])
    expect(await client.listen(1)).toEqual([undefined, 22, "Invalid argument"])
    expect(await client.connect("127.0.0.1", portOf(server))).toEqual([undefined, 106, "Transport endpoint is already connected"])
    closeAll(fresh, client, conn, server)
  })

  it("shutdown: names; the write side ends the peer's stream", async () => {
    const { server, client, conn } = await tcpPair()
    expect(client.shutdown("wr")).toEqual([true])
    expect(await conn.recv(10)).toEqual([""])
    expect(errnoOf(await client.send("x"))).toEqual([undefined, 32])
    expect(conn.shutdown("read")).toEqual([true])
    expect(conn.shutdown()).toEqual([true])
    expect(raised(() => conn.shutdown("sideways" as Any))).toBe("bad argument #1 to 'shutdown' (supported values: both, read, write)")
    closeAll(client, conn, server)
  })

  it("closed sockets raise; close twice raises", async () => {
    const { server, client, conn } = await tcpPair()
    expect(conn.close()).toEqual([true])
    expect(raised(() => conn.close())).toBe("calling 'close' on bad self (invalid socket object)")
    expect(await raisedAsync(conn.recv(1))).toBe("calling 'recv' on bad self (invalid socket object)")
    expect(await raisedAsync(conn.send("x"))).toBe("calling 'send' on bad self (invalid socket object)")
    expect(raised(() => conn.getopt("socket", "keepalive"))).toBe("calling 'getopt' on bad self (invalid socket object)")
    expect(raised(() => conn.fileno())).toBe("calling 'fileno' on bad self (invalid file descriptor)")
    expect(raised(() => conn.setblocking(true))).toBe("calling 'setblocking' on bad self (invalid file descriptor)")
    expect(conn.tostring()).toBe("nixio socket -1")
    closeAll(client, server)
  })

  it("argument errors raise with nixio's messages", async () => {
    const s = ok(nixio.socket("inet", "stream"))
    expect(await raisedAsync((s.recv as Any)())).toBe("bad argument #1 to 'recv' (number expected, got no value)")
    expect(await raisedAsync((s.listen as Any)())).toBe("bad argument #1 to 'listen' (number expected, got no value)")
    expect(raised(() => (s.setblocking as Any)())).toBe("bad argument #1 to 'setblocking' (value expected)")
    expect(raised(() => s.setopt("socket", "keepalive", true as Any))).toBe("bad argument #3 to 'setopt' (number expected, got boolean)")
    expect(raised(() => s.setopt("socket", "bindtodevice", "x".repeat(17)))).toBe("bad argument #3 to 'setopt' (invalid interface name)")
    expect(raised(() => (s.getopt as Any)())).toBe("bad argument #1 to 'getopt' (supported values: socket, tcp, ip, ipv6)")
    // The TypeScript facade names the entry (getopt) for its alias too.
    expect(raised(() => s.getsockopt("tcp", "quick"))).toBe("bad argument #2 to 'getopt' (supported values: cork, nodelay)")
    const recv = (NixioSocket.prototype as Any).recv as (...a: Array<unknown>) => Promise<unknown>
    expect(await raisedAsync(recv.call({}, 1))).toBe("calling 'recv' on bad self (nixio.socket expected)")
    s.close()
  })

  it("stream socket options: what Node.js has works, the rest answers 95", async () => {
    const { server, client, conn } = await tcpPair()
    expect(conn.getopt("socket", "keepalive")).toEqual([0])
    expect(conn.setopt("socket", "keepalive", 1)).toEqual([true])
    expect(conn.getsockopt("socket", "keepalive")).toEqual([1])
    expect(conn.getopt("tcp", "nodelay")).toEqual([0])
    expect(conn.setsockopt("tcp", "nodelay", 1)).toEqual([true])
    expect(conn.getopt("tcp", "nodelay")).toEqual([1])
    expect(conn.getopt("socket", "linger")).toEqual([0])
    expect(conn.setopt("socket", "linger", 0)).toEqual([true])
    expect(errnoOf(conn.setopt("socket", "linger", 5))).toEqual([undefined, 95])
    expect(conn.getopt("socket", "error")).toEqual([0])
    expect(conn.setopt("socket", "error", 1)).toEqual([undefined, 92, "Protocol not available"])
    expect(conn.setopt("tcp", "cork", 1)).toEqual([undefined, 95, "Operation not supported: option tcp.cork on a stream socket is not available through Node.js's socket API"])
    expect(errnoOf(conn.getopt("socket", "rcvbuf"))).toEqual([undefined, 95])
    expect(errnoOf(conn.setopt("ip", "multicast_ttl", 2))).toEqual([undefined, 95])
    expect(conn.getopt("ipv6", "v6only")).toEqual([undefined, 92, "Protocol not available"])
    expect(errnoOf(server.setopt("socket", "reuseaddr", 0))).toEqual([undefined, 95])
    closeAll(client, conn, server)
  })

  it.runIf(hasIPv6Loopback)("IPv6: ::1 end to end, dual-stack by default", async () => {
    const { server, client, conn, peerHost } = await tcpPair("::1")
    expect(peerHost).toBe("::1")
    await client.send(ALL_BYTES)
    expect(await readAll(conn, 256)).toBe(ALL_BYTES)
    const any6 = ok(nixio.socket("inet6", "stream"))
    expect(await any6.bind(undefined, 0)).toEqual([true])
    expect(await any6.listen(2)).toEqual([true])
    expect(any6.getsockname()[0]).toBe("::")
    const v4 = ok(await nixio.connect("127.0.0.1", portOf(any6), "inet"))
    const [a] = (await any6.accept()) as Any
    expect(a.getpeername()[0]).toBe("::ffff:127.0.0.1")
    closeAll(client, conn, server, any6, v4, a)
  })
})

// ---- unix ------------------------------------------------------------------------------

describe("nixio unix sockets", () => {
  for (const [name, where] of [["a path", () => unixPath()], ["an abstract name (leading NUL)", () => `\0effect-luasocket-nixio-${process.pid}-${++count}`]] as const) {
    it(`${name}: bind, listen, connect; accept gives the socket alone`, async () => {
      const address = where()
      const server = ok(nixio.socket("unix", "stream"))
      expect(await server.bind(address)).toEqual([true])
      expect(await server.listen(2)).toEqual([true])
      const client = ok(nixio.socket("unix", "stream"))
      expect(await client.connect(address)).toEqual([true])
      const accepted = (await server.accept()) as Any
      expect(accepted.length).toBe(1)
      const conn = accepted[0] as Socket
      expect(await client.send(ALL_BYTES)).toEqual([256])
      expect(await readAll(conn, 256)).toBe(ALL_BYTES)
      expect(client.getsockname()).toEqual([undefined, 97, "Address family not supported by protocol"])
      expect(client.getpeername()).toEqual([undefined, 97, "Address family not supported by protocol"])
      expect(client.setopt("tcp", "nodelay", 1)).toEqual([undefined, 92, "Protocol not available"])
      closeAll(client, conn, server)
    })
  }

  it("connect to a missing path; a path raises when missing or too long", async () => {
    const s = ok(nixio.socket("unix", "stream"))
    expect(await s.connect(unixPath())).toEqual([undefined, 2, "No such file or directory"])
    expect(await raisedAsync((s.bind as Any)())).toBe("bad argument #1 to 'bind' (string expected, got nil)")
    expect(await raisedAsync(s.bind("/" + "x".repeat(120)))).toBe("bad argument #1 to 'bind' (out of range)")
    s.close()
  })
})

// ---- UDP -------------------------------------------------------------------------------

describe("nixio UDP", () => {
  it("bind / connect dgram: send, sendto, recv, recvfrom; truncation; empty datagrams", async () => {
    const a = ok(await nixio.bind("127.0.0.1", 0, "inet", "dgram"))
    const b = ok(await nixio.connect("127.0.0.1", portOf(a), "any", "dgram"))
    expect(b.getpeername()).toEqual(["127.0.0.1", portOf(a)])
    expect(await b.send(ALL_BYTES)).toEqual([256])
    expect(await a.recvfrom(1000)).toEqual([ALL_BYTES, "127.0.0.1", portOf(b)])
    expect(await b.write("0123456789", 4, 2)).toEqual([2])
    expect(await a.recv(1)).toEqual(["4"])
    expect(await b.send("")).toEqual([0])
    expect(await a.recv(10)).toEqual([""])
    expect(await a.sendto("back", "127.0.0.1", portOf(b))).toEqual([4])
    expect(await b.recvfrom(100)).toEqual(["back", "127.0.0.1", portOf(a)])
    expect(await a.sendto("0123456789", "127.0.0.1", portOf(b), 5)).toEqual([5])
    expect(await b.recv(100)).toEqual(["56789"])
    expect(await a.send("x")).toEqual([undefined, 89, "Destination address required"])
    expect(await a.sendto("x", "localhost", portOf(b))).toEqual([undefined, 22, "Invalid argument"])
    expect(await a.sendto("x", "::1", portOf(b))).toEqual([undefined, 22, "Invalid argument"])
    expect(await b.sendto("x", "127.0.0.1", portOf(a))).toEqual([undefined, 106, "Transport endpoint is already connected"])
    expect(await a.listen(1)).toEqual([undefined, 95, "Operation not supported"])
    expect(await a.accept()).toEqual([undefined, 95, "Operation not supported"])
    expect(a.shutdown()).toEqual([undefined, 107, "Transport endpoint is not connected"])
    a.setblocking(false)
    expect(await a.recv(10)).toEqual(EAGAIN)
    expect(await a.recvfrom(10)).toEqual(EAGAIN)
    closeAll(a, b)
  })

  it("datagram socket options", async () => {
    const a = ok(await nixio.bind("127.0.0.1", 0, "inet", "dgram"))
    expect(a.getopt("socket", "reuseaddr")).toEqual([1])
    expect(a.getopt("socket", "broadcast")).toEqual([0])
    expect(a.setopt("socket", "broadcast", 1)).toEqual([true])
    expect(a.getopt("socket", "broadcast")).toEqual([1])
    const [rcvbuf] = a.getopt("socket", "rcvbuf") as Any
    expect(rcvbuf).toBeGreaterThan(0)
    expect(a.setopt("socket", "sndbuf", 65536)).toEqual([true])
    expect(a.setopt("ip", "multicast_ttl", 4)).toEqual([true])
    expect(errnoOf(a.getopt("ip", "multicast_ttl"))).toEqual([undefined, 95])
    expect(a.getopt("ip", "multicast_loop")).toEqual([1])
    expect(a.setopt("ip", "multicast_loop", 0)).toEqual([true])
    expect(a.getopt("ip", "multicast_loop")).toEqual([0])
    expect(a.setopt("ip", "multicast_if", "127.0.0.1")).toEqual([true])
    expect(a.getopt("ip", "multicast_if")).toEqual(["127.0.0.1"])
    expect(a.setopt("ip", "multicast_if", "nowhere")).toEqual([undefined, 22, "Invalid argument"])
    expect(a.setopt("ip", "add_membership", "not-a-group")).toEqual([undefined, 22, "Invalid argument"])
    expect(a.getopt("ip", "add_membership")).toEqual([undefined, 92, "Protocol not available"])
    expect(a.setopt("tcp", "nodelay", 1)).toEqual([undefined, 92, "Protocol not available"])
    expect(a.getopt("socket", "error")).toEqual([0])
    expect(errnoOf(a.setopt("socket", "reuseaddr", 1))).toEqual([undefined, 95]) // after bind: Node.js takes it at creation only
    expect(errnoOf(a.setopt("ip", "hdrincl", 1))).toEqual([undefined, 95])
    closeAll(a)
  })

  it("a refused datagram: SO_ERROR reports it once; the next receive fails with it", async () => {
    const gone = ok(await nixio.bind("127.0.0.1", 0, "inet", "dgram"))
    const port = portOf(gone)
    gone.close()
    const b = ok(await nixio.connect("127.0.0.1", port, "inet", "dgram"))
    expect(await b.send("x")).toEqual([1])
    await new Promise((r) => setTimeout(r, 100))
    expect(b.getopt("socket", "error")).toEqual([111])
    expect(b.getopt("socket", "error")).toEqual([0])
    expect(await b.send("x")).toEqual([1])
    await new Promise((r) => setTimeout(r, 100))
    expect(await b.recv(10)).toEqual([undefined, 111, "Connection refused"])
    b.close()
  })

  it.runIf(hasIPv6Loopback)("IPv6 datagrams", async () => {
    const a = ok(await nixio.bind("::1", 0, "inet6", "dgram"))
    const b = ok(nixio.socket("inet6", "dgram"))
    expect(b.setopt("ipv6", "v6only", 1)).toEqual([true])
    expect(b.getopt("ipv6", "v6only")).toEqual([1])
    expect(b.setopt("ipv6", "multicast_hops", 3)).toEqual([true])
    expect(b.getopt("ipv6", "multicast_hops")).toEqual([3])
    expect(await b.sendto(ALL_BYTES, "::1", portOf(a))).toEqual([256])
    expect(await a.recvfrom(8192)).toEqual([ALL_BYTES, "::1", portOf(b)])
    expect(errnoOf(a.setopt("ip", "multicast_loop", 1))).toEqual([undefined, 95])
    closeAll(a, b)
  })
})

// ---- resources -------------------------------------------------------------------------

describe("nixio releases descriptors", () => {
  it.live("opening and closing 50 connections leaves no descriptor behind", () =>
    leavesNoDescriptor(async () => {
      const server = ok(await nixio.bind("127.0.0.1", 0))
      await server.listen(64)
      const all: Array<Socket> = [server]
      for (let i = 0; i < 50; i++) {
        all.push(ok(await nixio.connect("127.0.0.1", portOf(server))), ((await server.accept()) as Any)[0])
      }
      const u = ok(await nixio.bind("127.0.0.1", 0, "inet", "dgram"))
      all.push(u, ok(await nixio.connect("127.0.0.1", portOf(u), "inet", "dgram")))
      return all
    }, 100))
})
