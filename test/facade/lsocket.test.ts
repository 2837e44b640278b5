/**
 * The lsocket facade over real loopback sockets (127.0.0.1, ::1, unix paths and abstract
 * `@names`), no mocks: lsocket's return conventions (false = would block, nil = end of
 * stream, `nil, message` = error), its raised errors, binary data, closing, and property
 * tests of the pure pieces (argument shuffling, address detection, select's arguments).
 * Expected values follow spec/reference-semantics.md section 2 and lsocket.c 1.4.1.
 */
import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import * as NetError from "../../src/core/NetError.js"
import { isWouldBlock, rawArg } from "../../src/facade/common.js"
import { endpointArgs, isUnixAddress, LSocket, selectArgs } from "../../src/facade/lsocket.js"
import lsocket, { type Socket } from "../../src/lsocket/index.js"
import { ALL_BYTES, hasIPv6Loopback, leavesNoDescriptor, raised, raisedAsync, unixPaths } from "./raises.js"

// ---- helpers ---------------------------------------------------------------------------

type Any = any



const unixPath = unixPaths("lsocket-")
let pathCount = 0
const abstractName = () => `@effect-luasocket-lsocket-${process.pid}-${++pathCount}`

/** The socket of a `[socket]` / `[nil, message]` result; fails the test with the message otherwise. */
const ok = (r: ReadonlyArray<unknown>): Socket => {
  if (!(r[0] instanceof LSocket)) throw new Error(`expected a socket, got ${JSON.stringify(r)}`)
  return r[0] as unknown as Socket
}

const portOf = (s: Socket): number => (s.info("socket") as Any)[0].port

/** Selects until `s` is readable (at most 2 s). */
const readable = async (s: Socket) => {
  const r = await lsocket.select([s], 2)
  expect(r[0]).not.toBe(false)
}

/** A connected TCP pair over `host`: the client (connect finished) and the accepted socket. */
const tcpPair = async (host = "127.0.0.1") => {
  const server = ok(await lsocket.bind(host, 0))
  const client = ok(await lsocket.connect(host, portOf(server)))
  expect(await lsocket.select(undefined, [client], 2)).toEqual([[], [client]])
  expect(client.status()).toEqual([true])
  await lsocket.select([server], 2)
  const [conn, addr, port] = server.accept() as Any
  expect(conn).toBeInstanceOf(LSocket)
  return { server, client, conn: conn as Socket, addr, port }
}

/** Reads from `s` until `n` bytes came (selecting between reads). */
const readAll = async (s: Socket, n: number): Promise<string> => {
  let got = ""
  while (got.length < n) {
    await readable(s)
    const [data] = s.recv(65536) as Any
    if (typeof data !== "string") throw new Error(`recv gave ${String(data)} after ${got.length} bytes`)
    got += data
  }
  return got
}


const raws = (...values: Array<unknown>) => values.map((v) => rawArg(v, true))

// ---- pure pieces -----------------------------------------------------------------------

describe("lsocket argument shuffling (pure)", () => {
  const typeName = fc.constantFrom("tcp", "udp", "mcast").chain((t) => fc.constantFrom(t, t.toUpperCase(), t[0]!.toUpperCase() + t.slice(1)))

  it.prop("a leading type name (any case) is the type; the rest keep their meaning", [typeName, fc.ipV4(), fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 100 })], ([t, host, port, backlog]) => {
    const a = endpointArgs("bind", raws(t, host, port, backlog))
    expect(a.type).toBe(t.toLowerCase() === "tcp" ? "tcp" : "udp")
    expect(a.mcast).toBe(t.toLowerCase() === "mcast")
    expect(a).toMatchObject({ address: host, port, extra: backlog, portAt: 2 })
    const c = endpointArgs("connect", raws(t, host, port, backlog))
    expect(c).toMatchObject({ address: host, port, extra: backlog, portAt: 2 })
  })

  it.prop("without a type: tcp; bind's address is optional, a number there is the port", [fc.integer({ min: 0, max: 65535 })], ([port]) => {
    expect(endpointArgs("bind", raws(port))).toEqual({ type: "tcp", mcast: false, address: undefined, port, portAt: 0, extra: 5 })
    expect(endpointArgs("bind", raws("udp", port))).toEqual({ type: "udp", mcast: false, address: undefined, port, portAt: 1, extra: 5 })
    expect(endpointArgs("connect", raws("h", port))).toEqual({ type: "tcp", mcast: false, address: "h", port, portAt: 1, extra: 1 })
  })

  it.prop("a string that names no type is the address", [fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !["tcp", "udp", "mcast"].includes(s.toLowerCase()))], ([s]) => {
    expect(endpointArgs("bind", raws(s, 1)).address).toBe(s)
    expect(endpointArgs("connect", raws(s, 1)).address).toBe(s)
  })

  it.prop("ports wrap as htons does; -1 and nothing mean no port", [fc.integer({ min: -100000, max: 200000 })], ([p]) => {
    const a = endpointArgs("bind", raws("127.0.0.1", p))
    expect(a.port).toBe(p === -1 ? undefined : ((p % 65536) + 65536) % 65536)
    expect(endpointArgs("bind", raws("127.0.0.1")).port).toBeUndefined()
  })

  it("a port that is no number raises at its position", () => {
    expect(() => endpointArgs("bind", raws("tcp", "127.0.0.1", {}))).toThrow("number expected, got table")
    try {
      endpointArgs("connect", raws("udp", "h", "x"))
    } catch (e) {
      expect((e as Any).at).toBe(2)
    }
    expect(() => endpointArgs("connect", [])).toThrow("string expected, got no value")
  })

  it.prop("unix addresses: a / anywhere or a leading @", [fc.string({ maxLength: 20 })], ([s]) => {
    expect(isUnixAddress(s)).toBe(s.includes("/") || s.startsWith("@"))
  })

  it.prop("IP literals and host names are not unix addresses", [fc.oneof(fc.ipV4(), fc.ipV6(), fc.domain())], ([h]) => {
    expect(isUnixAddress(h)).toBe(false)
  })

  const table = fc.array(fc.constant(null), { maxLength: 3 }).map((xs) => xs.map(() => ({})))
  it.prop(
    "select: a table first reads, a table second writes, the timeout follows the last table",
    [fc.option(table, { nil: undefined }), fc.option(table, { nil: undefined }), fc.option(fc.double({ min: 0, max: 10, noNaN: true }), { nil: undefined })],
    ([r, w, t]) => {
      const args = [r, w, t]
      const a = selectArgs(raws(...args), 3)
      expect(a.read).toEqual(r)
      expect(a.write).toEqual(w)
      const at = w !== undefined ? 2 : r !== undefined ? 1 : 0
      expect(a.timeoutAt).toBe(at)
      const expected = args[at]
      expect(a.timeout).toBe(typeof expected === "number" ? expected : -1)
    }
  )

  it("select reads a table as t[1], t[2], ... up to the first nil", () => {
    const a = selectArgs(raws([1, 2, undefined, 4], { 1: "a", 2: "b", x: "c" }), 2)
    expect(a.read).toEqual([1, 2])
    expect(a.write).toEqual(["a", "b"])
    expect(selectArgs(raws(0.25), 1)).toMatchObject({ read: undefined, write: undefined, timeout: 0.25, timeoutAt: 0 })
  })
})

describe("would-block (pure)", () => {
  const tags = ["Timeout", "Closed", "ConnectionRefused", "Unknown", "InvalidArgument"] as const
  it.prop(
    "only the core's own budget running out (a Timeout without OS code) or EAGAIN would block",
    [fc.constantFrom(...tags), fc.option(fc.constantFrom("EAGAIN", "EWOULDBLOCK", "ETIMEDOUT", "ECONNRESET", "EPIPE"), { nil: undefined })],
    ([tag, code]) => {
      const e = NetError.make(tag, { operation: "x", code })
      expect(isWouldBlock(e)).toBe((tag === "Timeout" && code === undefined) || code === "EAGAIN" || code === "EWOULDBLOCK")
    }
  )
})

// ---- namespace -------------------------------------------------------------------------

describe("lsocket namespace", () => {
  it("constants", () => {
    expect(lsocket.INADDR_ANY).toBe("0.0.0.0")
    expect(lsocket.IN6ADDR_ANY).toBe("::0")
    expect(lsocket._VERSION).toBe("1.4.1")
  })

  it("resolve: {family, addr} tables, or nil and gai_strerror's text", async () => {
    expect(await lsocket.resolve("127.0.0.1")).toEqual([[{ family: "inet", addr: "127.0.0.1" }]])
    expect(await lsocket.resolve("::1")).toEqual([[{ family: "inet6", addr: "::1" }]])
    const [local] = (await lsocket.resolve("localhost")) as Any
    expect(local.length).toBeGreaterThan(0)
    expect(await lsocket.resolve("no-such-host.invalid")).toEqual([undefined, "Name or service not known"])
  })

  it("getinterfaces: {name, family, addr, mask} for every address, loopback included", () => {
    const [all] = lsocket.getinterfaces() as Any
    expect(all).toContainEqual({ name: "lo", family: "inet", addr: "127.0.0.1", mask: "255.0.0.0" })
    for (const i of all) expect(Object.keys(i).sort()).toEqual(["addr", "family", "mask", "name"])
  })

  it("select(t) alone sleeps t seconds and answers false; no sockets and no timeout is an error", async () => {
    const t0 = Date.now()
    expect(await lsocket.select(0.05)).toEqual([false])
    expect(Date.now() - t0).toBeGreaterThanOrEqual(45)
    expect(await lsocket.select()).toEqual([undefined, "no open sockets to check and no timeout set"])
    expect(await lsocket.select([], [])).toEqual([undefined, "no open sockets to check and no timeout set"])
    expect(await lsocket.select([], 0)).toEqual([false])
  })

  it("select raises lsocket's errors", async () => {
    expect(await raisedAsync(lsocket.select([{}], 0) as Promise<unknown>)).toBe("bad argument to 'select' (tables can only contain sockets)")
    expect(await raisedAsync(lsocket.select([], 1, 2) as Promise<unknown>)).toBe("bad argument to 'select' (invalid option)")
    // lsocket checks for sockets before it looks for extra arguments
    expect(await lsocket.select([], undefined, 1)).toEqual([undefined, "no open sockets to check and no timeout set"])
    expect(await raisedAsync(lsocket.select([], "soon") as Promise<unknown>)).toBe("bad argument #2 to 'select' (number expected, got string)")
  })

  it("bind and connect raise for a missing port or address", async () => {
    expect(await raisedAsync(lsocket.bind() as Promise<unknown>)).toBe("bad argument #1 to 'bind' (number expected, got no value)")
    expect(await raisedAsync(lsocket.bind("udp", "127.0.0.1") as Promise<unknown>)).toBe("bad argument #3 to 'bind' (number expected, got no value)")
    expect(await raisedAsync(lsocket.connect() as Promise<unknown>)).toBe("bad argument #1 to 'connect' (string expected, got no value)")
    expect(await raisedAsync(lsocket.connect("tcp", "127.0.0.1") as Promise<unknown>)).toBe("bad argument #2 to 'connect' (number expected, got no value)")
  })

  it("bind / connect failures are nil and the C library's message", async () => {
    expect(await lsocket.connect("no-such-host.invalid", 80)).toEqual([undefined, "Name or service not known"])
    expect(await lsocket.connect(unixPath(), 0)).toEqual([undefined, "No such file or directory"])
    expect(await lsocket.bind("/" + "x".repeat(120), 0)).toEqual([undefined, "unix domain path too long"])
    expect(await lsocket.bind("mcast", unixPath(), 0)).toEqual([undefined, "multicast not available for unix domain sockets."])
    expect(await lsocket.connect("mcast", abstractName(), 0)).toEqual([undefined, "multicast not available for unix domain sockets."])
    expect(await lsocket.bind("udp", unixPath(), 0)).toEqual([undefined, "Operation not supported: Node.js has no unix domain datagram sockets"])
    expect(await lsocket.bind("192.0.2.123", 0)).toEqual([undefined, "Cannot assign requested address"])
    const s = ok(await lsocket.bind("127.0.0.1", 0))
    expect(await lsocket.bind("127.0.0.1", portOf(s))).toEqual([undefined, "Address already in use"])
    s.close()
  })
})

// ---- TCP -------------------------------------------------------------------------------

describe("lsocket TCP", () => {
  it("bind listens at once; info, tostring, getfd", async () => {
    const s = ok(await lsocket.bind("tcp", "127.0.0.1", 0, 10))
    expect(s.tostring()).toMatch(/^socket: 0x[0-9a-f]+$/)
    const [info] = s.info() as Any
    expect(info).toMatchObject({ family: "inet", type: "tcp", listening: true, multicast: false })
    expect(info.fd).toBeGreaterThan(2)
    expect(s.getfd()).toEqual([info.fd])
    expect(s.info("socket")).toEqual([{ family: "inet", addr: "127.0.0.1", port: portOf(s) }])
    expect(s.info("SOCKET")).toEqual(s.info("socket"))
    expect(s.info("peer")).toEqual([undefined, "Transport endpoint is not connected"])
    expect(s.info("other")).toEqual([undefined])
    expect(s.accept()).toEqual([false])
    expect(s.status()).toEqual([true])
    s.close()
  })

  it("bind without an address binds 0.0.0.0", async () => {
    const s = ok(await lsocket.bind(0))
    expect((s.info("socket") as Any)[0].addr).toBe("0.0.0.0")
    s.close()
  })

  it("connect returns while connecting: recv and send say false until select reports it writable", async () => {
    const server = ok(await lsocket.bind("127.0.0.1", 0))
    const client = ok(await lsocket.connect("127.0.0.1", portOf(server)))
    expect(client.status()).toEqual([true])
    expect((client.info() as Any)[0]).toMatchObject({ family: "inet", type: "tcp", listening: false })
    expect(client.recv()).toEqual([false])
    expect(await lsocket.select(undefined, [client], 2)).toEqual([[], [client]])
    expect(client.info("peer")).toEqual([{ family: "inet", addr: "127.0.0.1", port: portOf(server) }])
    expect(client.recv()).toEqual([false])
    server.close()
    client.close()
  })

  it("a refused connect: select returns the socket, status and recv give the error", async () => {
    const probe = ok(await lsocket.bind("127.0.0.1", 0))
    const port = portOf(probe)
    probe.close()
    const client = ok(await lsocket.connect("127.0.0.1", port))
    const [r, w] = (await lsocket.select([client], [client], 2)) as Any
    expect(r).toEqual([client])
    expect(w).toEqual([client])
    expect(client.status()).toEqual([undefined, "Connection refused"])
    expect(client.recv()).toEqual([undefined, "Connection refused"])
    expect(await client.send("x")).toEqual([undefined, "Connection refused"])
    client.close()
  })

  it("accept gives the socket and the peer's address; data both ways; nil at the end of the stream", async () => {
    const { server, client, conn, addr, port } = await tcpPair()
    expect(addr).toBe("127.0.0.1")
    expect(port).toBe((client.info("socket") as Any)[0].port)
    expect(server.accept()).toEqual([false])
    expect(conn.recv()).toEqual([false])
    expect(await client.send("hello")).toEqual([5])
    expect(await readAll(conn, 5)).toBe("hello")
    expect(await conn.send("back")).toEqual([4])
    await readable(client)
    expect(client.recvfrom()).toEqual(["back", "127.0.0.1", portOf(server)])
    expect(await client.send("")).toEqual([0])
    client.close()
    await readable(conn)
    expect(conn.recv()).toEqual([undefined])
    expect(conn.recv(0)).toEqual([undefined])
    conn.close()
    server.close()
  })

  it("recv gives at most size bytes (default 1024)", async () => {
    const { server, client, conn } = await tcpPair()
    await client.send("x".repeat(3000))
    await readable(conn)
    await new Promise((r) => setTimeout(r, 20))
    expect(((conn.recv() as Any)[0] as string).length).toBeLessThanOrEqual(1024)
    expect(((conn.recv(10) as Any)[0] as string).length).toBeLessThanOrEqual(10)
    expect(raised(() => conn.recv(-1))).toBe("bad argument #1 to 'recv' (invalid number)")
    expect(raised(() => conn.recv("many"))).toBe("bad argument #1 to 'recv' (number expected, got string)")
    for (const s of [client, conn, server]) s.close()
  })

  it("binary data: all 256 byte values and NULs round-trip", async () => {
    const { server, client, conn } = await tcpPair()
    const data = ALL_BYTES + "\0\0" + ALL_BYTES
    expect(await client.send(data)).toEqual([data.length])
    expect(await readAll(conn, data.length)).toBe(data)
    expect(await conn.send(Buffer.from(data, "latin1"))).toEqual([data.length])
    expect(await readAll(client, data.length)).toBe(data)
    for (const s of [client, conn, server]) s.close()
  })

  it("send gives false when nothing fits (the peer does not read), a count when something did", async () => {
    const { server, client, conn } = await tcpPair()
    const chunk = "z".repeat(256 * 1024)
    let sent = 0
    let last: Any
    for (let i = 0; i < 400; i++) {
      last = await client.send(chunk)
      if (last[0] === false) break
      expect(last[0]).toBeGreaterThan(0)
      sent += last[0]
    }
    expect(last).toEqual([false])
    expect(await lsocket.select(undefined, [client], 0)).toEqual([false])
    expect(sent).toBeGreaterThan(0)
    for (const s of [client, conn, server]) s.close()
  })

  it("close: true, safe to repeat; afterwards calls fail with Bad file descriptor", async () => {
    const { server, client, conn } = await tcpPair()
    expect(conn.close()).toEqual([true])
    expect(conn.close()).toEqual([true])
    expect(conn.getfd()).toEqual([-1])
    expect((conn.info() as Any)[0]).toMatchObject({ fd: -1, type: "unknown", listening: false })
    expect(conn.recv()).toEqual([undefined, "Bad file descriptor"])
    expect(conn.recvfrom()).toEqual([undefined, "Bad file descriptor"])
    expect(await conn.send("x")).toEqual([undefined, "Bad file descriptor"])
    expect(conn.status()).toEqual([undefined, "Bad file descriptor"])
    expect(conn.info("peer")).toEqual([undefined, "Bad file descriptor"])
    expect(conn.accept()).toEqual([undefined, "Bad file descriptor"])
    // A closed socket is left out of select.
    expect(await lsocket.select([conn])).toEqual([undefined, "no open sockets to check and no timeout set"])
    server.close()
    expect((server.info() as Any)[0]).toMatchObject({ fd: -1, type: "unknown", listening: false })
    client.close()
  })

  it("setfd: only -1, which lets go of the descriptor", async () => {
    const s = ok(await lsocket.bind("127.0.0.1", 0))
    expect(s.setfd(5)).toEqual([undefined, "bad argument #1 to 'setfd' (invalid fd)"])
    expect(raised(() => s.setfd("x"))).toBe("bad argument #1 to 'setfd' (number expected, got string)")
    expect(s.setfd(-1)).toEqual([true])
    expect(s.getfd()).toEqual([-1])
    expect((s.info() as Any)[0]).toMatchObject({ fd: -1, type: "tcp", listening: true })
    expect(s.accept()).toEqual([undefined, "Bad file descriptor"])
    expect(s.close()).toEqual([true])
  })

  it("accept and send on the wrong kind of socket", async () => {
    const { server, client, conn } = await tcpPair()
    expect(client.accept()).toEqual([undefined, "Invalid argument"])
    expect(server.recv()).toEqual([undefined, "Transport endpoint is not connected"])
    expect(await server.send("x")).toEqual([undefined, "Broken pipe"])
    const u = ok(await lsocket.bind("udp", "127.0.0.1", 0))
    expect(u.accept()).toEqual([undefined, "Operation not supported"])
    for (const s of [client, conn, server, u]) s.close()
  })

  it("a method on something else raises", () => {
    const recv = (LSocket.prototype as Any).recv as (...a: Array<unknown>) => unknown
    expect(raised(() => recv.call({}))).toBe("calling 'recv' on bad self (socket expected)")
  })

  it.runIf(hasIPv6Loopback)("IPv6: ::1 end to end", async () => {
    const { server, client, conn, addr } = await tcpPair("::1")
    expect(addr).toBe("::1")
    expect((server.info() as Any)[0].family).toBe("inet6")
    expect((client.info("peer") as Any)[0]).toEqual({ family: "inet6", addr: "::1", port: portOf(server) })
    await client.send(ALL_BYTES)
    expect(await readAll(conn, 256)).toBe(ALL_BYTES)
    for (const s of [client, conn, server]) s.close()
  })
})

// ---- unix sockets ----------------------------------------------------------------------

describe("lsocket unix sockets", () => {
  for (const [name, address] of [["a path", unixPath], ["an @abstract name", abstractName]] as const) {
    it(`${name}: bind, connect at once, accept gives nil address and port`, async () => {
      const where = address()
      const server = ok(await lsocket.bind(where))
      expect((server.info() as Any)[0]).toMatchObject({ family: "unix", type: "tcp", listening: true })
      expect(server.info("socket")).toEqual([{ family: "unix", addr: where }])
      const client = ok(await lsocket.connect(where))
      expect(client.status()).toEqual([true])
      await lsocket.select([server], 2)
      const [conn, a, p] = server.accept() as Any
      expect(conn).toBeInstanceOf(LSocket)
      expect([a, p]).toEqual([undefined, undefined])
      expect(await client.send(ALL_BYTES)).toEqual([256])
      expect(await readAll(conn, 256)).toBe(ALL_BYTES)
      client.close()
      await readable(conn)
      expect(conn.recv()).toEqual([undefined])
      conn.close()
      server.close()
    })
  }
})

// ---- UDP -------------------------------------------------------------------------------

describe("lsocket UDP", () => {
  it("bind / connect: send, recv, recvfrom, sendto; false when nothing is there", async () => {
    const a = ok(await lsocket.bind("udp", "127.0.0.1", 0))
    expect((a.info() as Any)[0]).toMatchObject({ type: "udp", listening: true, multicast: false })
    expect(a.recv()).toEqual([false])
    expect(a.recvfrom()).toEqual([false])
    const b = ok(await lsocket.connect("udp", "127.0.0.1", portOf(a)))
    expect((b.info() as Any)[0]).toMatchObject({ type: "udp", listening: false })
    expect(b.info("peer")).toEqual([{ family: "inet", addr: "127.0.0.1", port: portOf(a) }])
    expect(await b.send(ALL_BYTES)).toEqual([256])
    await readable(a)
    expect(a.recvfrom(1000)).toEqual([ALL_BYTES, "127.0.0.1", portOf(b)])
    expect(await b.send("truncated")).toEqual([9])
    await readable(a)
    expect(a.recv(5)).toEqual(["trunc"])
    expect(a.recv()).toEqual([false]) // the rest of the datagram is gone
    expect(await a.sendto("reply", "127.0.0.1", portOf(b))).toEqual([5])
    await readable(b)
    expect(b.recvfrom()).toEqual(["reply", "127.0.0.1", portOf(a)])
    expect(await b.send("")).toEqual([0])
    await readable(a)
    expect(a.recv()).toEqual([undefined]) // an empty datagram reads 0 bytes: nil, as lsocket
    expect(await a.send("x")).toEqual([undefined, "Destination address required"])
    expect(await b.sendto("x", "127.0.0.1", portOf(a))).toEqual([undefined, "Transport endpoint is already connected"])
    expect(await a.sendto("x", "no-such-host.invalid", 9)).toEqual([undefined, "Name or service not known"])
    expect(await a.sendto("x", "::1", 9)).toEqual([undefined, "Address family for hostname not supported"])
    a.close()
    b.close()
  })

  it("mcast: broadcast on for IPv4, TTL on connect; IPv6 bind joins the group it binds to", async () => {
    const m = ok(await lsocket.bind("mcast", "127.0.0.1", 0))
    expect((m.info() as Any)[0]).toMatchObject({ type: "udp", multicast: true, listening: true })
    const c = ok(await lsocket.connect("mcast", "127.0.0.1", portOf(m), 3))
    expect((c.info() as Any)[0]).toMatchObject({ type: "udp", multicast: true })
    expect(await c.send("m")).toEqual([1])
    await readable(m)
    expect(m.recv()).toEqual(["m"])
    expect(await lsocket.connect("mcast", "127.0.0.1", portOf(m), 300)).toEqual([undefined, "Invalid argument"])
    if (hasIPv6Loopback) expect(await lsocket.bind("mcast", "::1", 0)).toEqual([undefined, "Invalid argument"])
    m.close()
    c.close()
  })

  it("a refused datagram: the next recv gives the error", async () => {
    const gone = ok(await lsocket.bind("udp", "127.0.0.1", 0))
    const port = portOf(gone)
    gone.close()
    const c = ok(await lsocket.connect("udp", "127.0.0.1", port))
    expect(await c.send("x")).toEqual([1])
    await readable(c)
    expect(c.recv()).toEqual([undefined, "Connection refused"])
    expect(c.recv()).toEqual([false])
    c.close()
  })

  it("select watches UDP sockets and only returns the ready ones", async () => {
    const a = ok(await lsocket.bind("udp", "127.0.0.1", 0))
    const b = ok(await lsocket.bind("udp", "127.0.0.1", 0))
    expect(await lsocket.select([a, b], 0.02)).toEqual([false])
    await b.sendto("ping", "127.0.0.1", portOf(a))
    expect(await lsocket.select([a, b], 2)).toEqual([[a]])
    expect(await lsocket.select([a, b], [b], 2)).toEqual([[a], [b]])
    a.close()
    expect(await lsocket.select([a, b], 0)).toEqual([false])
    b.close()
  })
})

// ---- resources -------------------------------------------------------------------------

describe("lsocket releases descriptors", () => {
  it.live("opening and closing 50 connections leaves no descriptor behind", () =>
    leavesNoDescriptor(async () => {
      const server = ok(await lsocket.bind("127.0.0.1", 0))
      const all: Array<Socket> = [server]
      for (let i = 0; i < 50; i++) {
        const c = ok(await lsocket.connect("127.0.0.1", portOf(server)))
        await lsocket.select(undefined, [c], 2)
        await lsocket.select([server], 2)
        all.push(c, (server.accept() as Any)[0])
      }
      const u = ok(await lsocket.bind("udp", "127.0.0.1", 0))
      all.push(u, ok(await lsocket.connect("udp", "127.0.0.1", portOf(u))))
      return all
    }, 100))
})
