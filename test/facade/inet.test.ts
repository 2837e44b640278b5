import * as net from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck as fc } from "effect"
import { ArgError } from "../../src/facade/spec.js"
import { aton as atonPure, decodeFlags, ntoa as ntoaPure } from "../../src/facade/inet.js"
import inet, { LuaRaise, net as lnet, type Socket, type Tcp } from "../../src/inet/index.js"
import { fdCount, settledFdCount } from "../support.js"

const ALL_BYTES = Buffer.from([...Array.from({ length: 256 }, (_, i) => i), 0, 0, 10, 13, 0]).toString("latin1")

/** The error a call raises (sync throw or rejected Promise). */
const raised = async (f: () => unknown): Promise<LuaRaise> => {
  try {
    await f()
  } catch (e) {
    expect(e).toBeInstanceOf(LuaRaise)
    return e as LuaRaise
  }
  throw new Error("expected a raise")
}

/** Expects `f` to raise exactly `message` (an errno name, or lunatik's argument error). */
const raises = async (f: () => unknown, message: string): Promise<void> => {
  expect((await raised(f)).message).toBe(message)
}

/** A listening inet.tcp server on 127.0.0.1, an ephemeral port. */
const listening = async (): Promise<{ server: Tcp; port: number }> => {
  const [server] = inet.tcp()
  server.bind("127.0.0.1", 0)
  await server.listen()
  const [, port] = server.getsockname()
  return { server, port }
}

/** A connected pair: the client (inet.tcp) and what accept gave (a raw socket). */
const pair = async (server: Tcp, port: number): Promise<{ client: Tcp; conn: Socket }> => {
  const [client] = inet.tcp()
  await client.connect(inet.localhost, port)
  const [conn] = await server.accept()
  return { client, conn }
}

/** A port nothing listens on (bound, then closed). */
const closedPort = async (): Promise<number> => {
  const { server, port } = await listening()
  server.close()
  return port
}

describe("inet facade: namespace", () => {
  it("constants: localhost, socket.sock / ipproto / msg / af with Linux's values", () => {
    expect(inet.localhost).toBe("127.0.0.1")
    expect(inet.sock).toEqual({ STREAM: 1, DGRAM: 2, NONBLOCK: 0x800, CLOEXEC: 0x80000 })
    expect(inet.ipproto).toEqual({ IP: 0, TCP: 6, UDP: 17 })
    expect(inet.msg.DONTWAIT).toBe(0x40)
    expect(inet.msg.WAITALL).toBe(0x100)
    expect(inet.msg.PEEK).toBe(2)
    expect(inet.af.INET).toBe(2)
  })

  it("inet.tcp() / inet.udp() carry type and proto; tostring as a Lua table", () => {
    const [t] = inet.tcp()
    const [u] = inet.udp()
    expect([t.type, t.proto, t.className]).toEqual([inet.sock.STREAM, inet.ipproto.TCP, "inet.tcp"])
    expect([u.type, u.proto, u.className]).toEqual([inet.sock.DGRAM, inet.ipproto.UDP, "inet.udp"])
    expect(t.tostring()).toMatch(/^table: 0x[0-9a-f]+$/)
    expect(String(u)).toMatch(/^table: 0x[0-9a-f]+$/)
    t.close()
    u.close()
  })

  it("inet(type[, proto]) is Lua's inet(): the export is callable, inet.__call is the same; new{type=...} opens too", async () => {
    const [a] = inet(inet.sock.STREAM)
    const [b] = inet(inet.sock.DGRAM, inet.ipproto.UDP)
    const [c] = inet.__call(inet.sock.DGRAM)
    const [d] = inet.new({ type: inet.sock.STREAM, proto: inet.ipproto.TCP })
    expect([a.className, b.className, c.className, d.className]).toEqual(["inet.tcp", "inet.udp", "inet.udp", "inet.tcp"])
    for (const s of [a, b, c, d]) s.close()
    // lunatik's base class has no socket type: a bare inet() raises there too
    await raises(() => (inet as unknown as () => unknown)(), "bad argument #1 to '__call' (number expected, got no value)")
    await raises(() => inet(3), "ESOCKTNOSUPPORT")
    await raises(() => inet(inet.sock.STREAM, inet.ipproto.UDP), "EPROTONOSUPPORT")
    await raises(() => inet(inet.sock.STREAM | inet.sock.NONBLOCK), "EINVAL")
    await raises(() => inet.new(), "bad argument #1 to 'new' (table with a numeric 'type' field expected (inet.sock.STREAM or inet.sock.DGRAM), got type nil)")
  })

  it("net.aton / net.ntoa: lunatik's examples; a bad address raises lunatik's message", async () => {
    expect(lnet.aton("127.0.0.1")).toEqual([2130706433])
    expect(lnet.aton("192.168.1.1")).toEqual([3232235777])
    expect(lnet.ntoa(3232235777)).toEqual(["192.168.1.1"])
    expect(inet.net.ntoa(0)).toEqual(["0.0.0.0"])
    expect(lnet.ntoa(-1)).toEqual(["255.255.255.255"])
    for (const bad of ["localhost", "1.2.3", "1.2.3.4.5", "01.2.3.4", "256.1.1.1", " 1.2.3.4", "*", ""]) {
      await raises(() => lnet.aton(bad), `invalid IPv4 address: ${bad}`)
    }
    await raises(() => lnet.ntoa(1.5), "bad argument #1 to 'ntoa' (number has no integer representation)")
  })
})

describe("inet facade: TCP over loopback", () => {
  it("listen, connect, accept (a raw socket), addresses as dotted quads and as integers", async () => {
    const { server, port } = await listening()
    const { client, conn } = await pair(server, port)
    expect(conn.className).toBe("socket")
    expect(conn.tostring()).toMatch(/^socket: 0x[0-9a-f]+$/)
    const [cip, cport] = client.getsockname()
    expect(cip).toBe("127.0.0.1")
    expect(client.getpeername()).toEqual(["127.0.0.1", port])
    expect(conn.getpeername()).toEqual([2130706433, cport])
    expect(conn.getsockname()).toEqual([2130706433, port])
    // a raw socket has no inet fields
    expect((conn as unknown as { type?: unknown }).type).toBeUndefined()
    for (const s of [client, conn, server]) expect(s.close()).toEqual([])
  })

  it("binary data: all 256 byte values and NULs both ways; send returns the count", async () => {
    const { server, port } = await listening()
    const { client, conn } = await pair(server, port)
    expect(await client.send(ALL_BYTES)).toEqual([ALL_BYTES.length])
    expect(await conn.receive(ALL_BYTES.length, inet.msg.WAITALL)).toEqual([ALL_BYTES])
    expect(await conn.send(new Uint8Array([0, 255, 0]))).toEqual([3])
    expect(await client.receive(10)).toEqual(["\x00\xff\x00"])
    for (const s of [client, conn, server]) s.close()
  })

  it("receive: up to len bytes, WAITALL waits for len, from gives the peer as integers, \"\" at end of stream", async () => {
    const { server, port } = await listening()
    const { client, conn } = await pair(server, port)
    const [, cport] = client.getsockname()
    await client.send("hello world")
    expect(await conn.receive(5, inet.msg.WAITALL)).toEqual(["hello"])
    expect(await conn.receive(6, inet.msg.WAITALL)).toEqual([" world"])
    const later = conn.receive(6, inet.msg.WAITALL)
    await client.send("ab")
    await new Promise((r) => setTimeout(r, 10))
    await client.send("cdef")
    expect(await later).toEqual(["abcdef"])
    await client.send("abc")
    expect(await conn.receive(100, 0, true)).toEqual(["abc", 2130706433, cport])
    expect(await conn.receive(0)).toEqual([""])
    await client.send("tail")
    client.close()
    expect(await conn.receive(2)).toEqual(["ta"])
    expect(await conn.receive(100, inet.msg.WAITALL)).toEqual(["il"])
    expect(await conn.receive(100)).toEqual([""])
    expect(await conn.receive(100)).toEqual([""])
    conn.close()
    server.close()
  })

  it("DONTWAIT / NONBLOCK: EAGAIN instead of waiting (receive and accept)", async () => {
    const { server, port } = await listening()
    await raises(() => server.accept(inet.sock.NONBLOCK), "EAGAIN")
    await raises(() => server.accept(inet.msg.DONTWAIT | inet.sock.CLOEXEC), "EAGAIN")
    const [client] = inet.tcp()
    await client.connect("127.0.0.1", port)
    let conn: Socket | undefined
    for (let i = 0; conn === undefined && i < 200; i++) {
      try {
        ;[conn] = await server.accept(inet.sock.NONBLOCK)
      } catch (e) {
        expect((e as Error).message).toBe("EAGAIN")
        await new Promise((r) => setTimeout(r, 5))
      }
    }
    await raises(() => conn!.receive(10, inet.msg.DONTWAIT), "EAGAIN")
    await client.send("xy")
    let got: unknown
    for (let i = 0; got === undefined && i < 200; i++) {
      try {
        got = await conn!.receive(10, inet.msg.DONTWAIT | inet.msg.WAITALL)
      } catch {
        await new Promise((r) => setTimeout(r, 5))
      }
    }
    expect(got).toEqual(["xy"])
    client.close()
    for (let i = 0; got !== "eof" && i < 200; i++) {
      try {
        const [d] = await conn!.receive(10, inet.msg.DONTWAIT)
        if (d === "") got = "eof"
      } catch {
        await new Promise((r) => setTimeout(r, 5))
      }
    }
    expect(got).toBe("eof")
    conn!.close()
    server.close()
  })

  it("failures raise errno names", async () => {
    const dead = await closedPort()
    const [c1] = inet.tcp()
    await raises(() => c1.connect("127.0.0.1", dead), "ECONNREFUSED")
    c1.close()

    const { server, port } = await listening()
    const [other] = inet.tcp()
    // a port a server of this process listens on is refused at bind, as in the kernel
    await raises(() => other.bind("127.0.0.1", port), "EADDRINUSE")
    other.close()

    const [fresh] = inet.tcp()
    expect(fresh.getsockname()).toEqual(["0.0.0.0", 0])
    await raises(() => fresh.getpeername(), "ENOTCONN")
    await raises(() => fresh.send("x"), "EPIPE")
    await raises(() => fresh.receive(1), "ENOTCONN")
    await raises(() => fresh.accept(), "EINVAL")
    fresh.bind("127.0.0.1", 0)
    await raises(() => fresh.bind("127.0.0.1", 0), "EINVAL")
    fresh.close()

    const { client, conn } = await pair(server, port)
    // the raw socket accept gives: a connected socket, as the kernel answers for one
    await raises(() => conn.connect(2130706433, port), "EISCONN")
    await raises(() => conn.bind("*", 0), "EINVAL")
    await raises(() => conn.listen(), "EINVAL")
    await raises(() => conn.accept(), "EINVAL")
    // TCP ignores a destination, as Linux does
    expect(await client.send("ok", "10.9.8.7", 9)).toEqual([2])
    expect(await conn.receive(2, inet.msg.WAITALL)).toEqual(["ok"])
    await raises(() => client.connect("127.0.0.1", port), "EISCONN")
    await raises(() => client.bind("127.0.0.1", 0), "EINVAL")
    expect(await server.listen(5)).toEqual([]) // listening again changes nothing
    client.close()
    expect(client.close()).toEqual([])
    await raises(() => client.send("x"), "EBADF")
    await raises(() => client.receive(1), "EBADF")
    await raises(() => client.getsockname(), "EBADF")
    for (const s of [conn, server]) s.close()
  })

  it("a reset raises ECONNRESET from receive; a send to a vanished peer raises EPIPE or ECONNRESET", async () => {
    const { server, port } = await listening()
    const raw = net.connect({ host: "127.0.0.1", port })
    await new Promise((r) => raw.once("connect", r))
    const [conn] = await server.accept()
    raw.resetAndDestroy()
    await raises(() => conn.receive(10), "ECONNRESET")
    let err: LuaRaise | undefined
    for (let i = 0; err === undefined && i < 100; i++) {
      try {
        await conn.send("x".repeat(1024))
      } catch (e) {
        err = e as LuaRaise
      }
    }
    expect(["EPIPE", "ECONNRESET"]).toContain(err?.message)
    conn.close()
    server.close()
  })

  it("argument errors: addresses as net.aton checks them, ports, flags Node cannot honour", async () => {
    const [t] = inet.tcp()
    await raises(() => t.bind("1.2.3", 0), "invalid IPv4 address: 1.2.3")
    await raises(() => t.connect("*", 80), "invalid IPv4 address: *")
    await raises(() => t.connect("localhost", 80), "invalid IPv4 address: localhost")
    await raises(() => t.bind("127.0.0.1", 70000), "bad argument #2 to 'bind' (out of bounds)")
    await raises(() => t.bind("127.0.0.1", 1.5), "bad argument #2 to 'bind' (number has no integer representation)")
    await raises(() => t.bind(undefined as never, 0), "bad argument #1 to 'bind' (string expected, got nil)")
    await raises(() => t.connect("127.0.0.1", 1, inet.sock.NONBLOCK), "bad argument #3 to 'connect' (unsupported flags sock.NONBLOCK for connect: Node.js cannot honour them)")
    await raises(() => t.receive(10, inet.msg.PEEK), "bad argument #2 to 'receive' (unsupported flags msg.PEEK for receive: Node.js cannot honour them)")
    await raises(() => t.receive(-1), "bad argument #1 to 'receive' (out of bounds)")
    await raises(() => t.receive(undefined as never), "bad argument #1 to 'receive' (number expected, got nil)")
    await raises(() => t.send("x", "127.0.0.1"), "bad argument #3 to 'send' (number expected, got no value)")
    // a method on the wrong class, as Lua's luaL_argerror says it
    await raises(() => (inet.udp()[0] as unknown as { close: () => unknown }).close.call(t), "calling 'close' on bad self (inet.udp expected)")
    t.close()
  })

  it("integers from net.aton are addresses too (lunatik's raw socket takes them)", async () => {
    const [server] = inet.tcp()
    server.bind(lnet.aton("127.0.0.1")[0], 0)
    await server.listen()
    const [, port] = server.getsockname()
    const [client] = inet.tcp()
    await client.connect(2130706433, port)
    const [conn] = await server.accept()
    expect(conn.getsockname()).toEqual([2130706433, port])
    for (const s of [client, conn, server]) s.close()
  })

  it("methods by type, as lunatik's classes: TCP has no receivefrom/sendto, UDP no listen/accept", () => {
    const [t] = inet.tcp()
    const [u] = inet.udp()
    const tm = t as unknown as Record<string, unknown>
    const um = u as unknown as Record<string, unknown>
    expect([typeof tm.listen, typeof tm.accept, typeof tm.receivefrom, typeof tm.sendto]).toEqual(["function", "function", "undefined", "undefined"])
    expect([typeof um.listen, typeof um.accept, typeof um.receivefrom, typeof um.sendto]).toEqual(["undefined", "undefined", "function", "function"])
    t.close()
    u.close()
  })
})

describe("inet facade: UDP over loopback", () => {
  it("bind, sendto / receivefrom, receive with from (integer IP), binary datagrams, truncation, empty datagrams", async () => {
    const [a] = inet.udp()
    const [b] = inet.udp()
    expect(b.getsockname()).toEqual(["0.0.0.0", 0])
    expect(a.bind("127.0.0.1", 0)).toEqual([])
    b.bind("*", 0)
    const [, aport] = a.getsockname()
    const [bip, bport] = b.getsockname()
    expect(bip).toBe("0.0.0.0")
    expect(await b.sendto(ALL_BYTES, "127.0.0.1", aport)).toEqual([ALL_BYTES.length])
    expect(await a.receivefrom(8192)).toEqual([ALL_BYTES, "127.0.0.1", bport])
    await b.send("0123456789", inet.localhost, aport)
    expect(await a.receive(4, 0, true)).toEqual(["0123", 2130706433, bport])
    await b.send("", lnet.aton("127.0.0.1")[0], aport)
    expect(await a.receive(100)).toEqual([""])
    await raises(() => a.receive(100, inet.msg.DONTWAIT), "EAGAIN")
    await raises(() => a.receivefrom(100, inet.msg.DONTWAIT), "EAGAIN")
    await raises(() => a.send("x"), "EDESTADDRREQ")
    await raises(() => a.bind("127.0.0.1", 0), "EINVAL")
    await raises(() => a.getpeername(), "ENOTCONN")
    a.close()
    b.close()
  })

  it("connect sets the peer: send without an address, receive from it; sendto an address then raises EISCONN", async () => {
    const [a] = inet.udp()
    a.bind("127.0.0.1", 0)
    const [, aport] = a.getsockname()
    const [b] = inet.udp()
    expect(await b.connect("127.0.0.1", aport)).toEqual([])
    expect(b.getpeername()).toEqual(["127.0.0.1", aport])
    const [, bport] = b.getsockname()
    expect(await b.send("ping")).toEqual([4])
    expect(await a.receivefrom(10)).toEqual(["ping", "127.0.0.1", bport])
    await a.sendto("pong", "127.0.0.1", bport)
    expect(await b.receive(10, 0, true)).toEqual(["pong", 2130706433, aport])
    await raises(() => b.sendto("x", "127.0.0.1", aport), "EISCONN")
    a.close()
    b.close()
    await raises(() => b.send("x"), "EBADF")
  })
})

describe("inet facade: resources", () => {
  it("no descriptor leaks: connections, accepted sockets, failed connects and UDP sockets all release theirs", async () => {
    const settle = () => Effect.runPromise(settledFdCount(Effect.void, 3000))
    const before = await settle()
    const { server, port } = await listening()
    for (let i = 0; i < 20; i++) {
      const { client, conn } = await pair(server, port)
      await client.send("x")
      expect(await conn.receive(1)).toEqual(["x"])
      client.close()
      conn.close()
    }
    const dead = await closedPort()
    for (let i = 0; i < 5; i++) {
      const [c] = inet.tcp()
      await raises(() => c.connect("127.0.0.1", dead), "ECONNREFUSED")
      c.close()
    }
    for (let i = 0; i < 10; i++) {
      const [u] = inet.udp()
      u.bind("127.0.0.1", 0)
      await u.sendto("x", "127.0.0.1", u.getsockname()[1])
      await u.receive(1)
      u.close()
    }
    server.close()
    expect(fdCount()).toBeGreaterThan(0)
    expect(await settle()).toBeLessThanOrEqual(before)
  })
})

describe("inet facade: pure pieces", () => {
  const octet = fc.integer({ min: 0, max: 255 })
  const uint32 = fc.integer({ min: 0, max: 0xffffffff })

  it.prop("ntoa then aton is the identity on 32-bit integers", [uint32], ([n]) => {
    expect(atonPure(ntoaPure(n))).toBe(n)
  })

  it.prop("aton then ntoa gives back every canonical dotted quad", [fc.tuple(octet, octet, octet, octet)], ([q]) => {
    const s = q.join(".")
    expect(ntoaPure(atonPure(s)!)).toBe(s)
  })

  it.prop("only the low 32 bits count in ntoa (Lua's 64-bit integers, masked)", [uint32, fc.integer({ min: -1000, max: 1000 })], ([n, k]) => {
    expect(ntoaPure(n + k * 2 ** 32)).toBe(ntoaPure(n))
  })

  it.prop("aton rejects what ntoa would not print: leading zeros, octets over 255, wrong counts, stray characters", [
    fc.oneof(
      fc.tuple(octet, octet, octet, octet).map((q) => `0${q[0]}.${q.slice(1).join(".")}`),
      fc.tuple(fc.integer({ min: 256, max: 999 }), octet, octet, octet).map((q) => q.join(".")),
      fc.array(octet, { minLength: 0, maxLength: 8 }).filter((a) => a.length !== 4).map((a) => a.join(".")),
      fc.tuple(fc.tuple(octet, octet, octet, octet), fc.constantFrom(" ", "x", ".", "-", "\n", "/8")).map(([q, c]) => `${q.join(".")}${c}`),
      fc.string().filter((s) => !/^\d{1,3}(\.\d{1,3}){3}$/.test(s))
    )
  ], ([s]) => {
    expect(atonPure(s)).toBeUndefined()
  })

  const supported = { DONTWAIT: 0x40, WAITALL: 0x100, NOSIGNAL: 0x4000 }
  const names = Object.keys(supported) as Array<keyof typeof supported>

  it.prop("flags: any combination of supported bits decodes to their names", [fc.subarray(names)], ([set]) => {
    const bits = set.reduce((b, n) => b | supported[n], 0)
    expect([...decodeFlags(bits, supported, "receive")].sort()).toEqual([...set].sort())
  })

  it.prop("flags: any unsupported bit raises an argument error naming it", [fc.subarray(names), fc.integer({ min: 0, max: 31 })], ([set, bit]) => {
    const extra = (1 << bit) >>> 0
    fc.pre(!Object.values(supported).includes(extra))
    const bits = set.reduce((b, n) => b | supported[n], extra)
    let err: unknown
    try {
      decodeFlags(bits, supported, "receive")
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ArgError)
    expect((err as ArgError).reason).toMatch(/^unsupported flags (msg\.|sock\.|0x)/)
    expect((err as ArgError).reason).not.toMatch(/DONTWAIT|WAITALL|NOSIGNAL/)
  })
})
