/**
 * The Promise API's UDP, select and name service over real loopback sockets.
 */
import { getEventListeners } from "node:events"
import * as os from "node:os"
import { describe, expect, it } from "@effect/vitest"
import { connect, dns, getAddrInfo, listen, NetError, select, toIp, udp } from "../../src/promise/index.js"
import { fdCount } from "../support.js"

const hasIPv6Loopback = Object.values(os.networkInterfaces()).some((list) => (list ?? []).some((i) => i.address === "::1"))
const text = (b: Uint8Array | undefined) => Buffer.from(b ?? new Uint8Array(0)).toString("latin1")
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe("udp", () => {
  for (const [host, available] of [["127.0.0.1", true], ["::1", hasIPv6Loopback]] as const) {
    it.skipIf(!available)(`${host}: bind, connect, sendTo / receiveFrom, send / receive; await using closes`, async () => {
      const before = fdCount()
      {
        await using server = await udp.bind(host, 0)
        const { port } = server.getSockName()
        await using client = await udp.connect(host, port)
        expect(client.kind).toBe("connected")
        expect(await client.send("ping")).toBe(4)
        const d = await server.receiveFrom()
        expect(text(d.data)).toBe("ping")
        expect(d.port).toBe(client.getSockName().port)
        expect(await server.sendTo(new Uint8Array([0, 255, 10]), d.address, d.port)).toBe(3)
        expect([...await client.receive()]).toEqual([0, 255, 10])
        await client.send("truncated")
        expect(text(await server.receive(5))).toBe("trunc")
      }
      expect(fdCount()).toBe(before)
    })
  }

  it("udp() is created lazily; bind later; options; receive timeout is the core's Timeout", async () => {
    using s = udp({ family: "inet" })
    expect(s.getFd()).toBe(-1)
    expect(() => s.getSockName()).toThrow(NetError.Unknown) // EBADF, as LuaSocket's udp()
    s.setOption("broadcast", true)
    await s.bind("127.0.0.1", 0)
    expect(s.getFd()).toBeGreaterThan(0)
    expect(s.getOption("broadcast")).toBe(true)
    await expect(s.receive(8192, { timeout: 0.02 })).rejects.toBeInstanceOf(NetError.Timeout)
    expect(() => s.setOption("dontroute", true)).toThrow(NetError.Unsupported)
    expect(() => udp({ maxQueued: 0 })).toThrow(NetError.InvalidArgument)
  })

  it("abort mid-receive leaves no waiter; async iteration yields datagrams and ends at close", async () => {
    await using server = await udp.bind("127.0.0.1", 0)
    const { port } = server.getSockName()
    await using client = await udp.connect("127.0.0.1", port)
    const controller = new AbortController()
    const pending = server.receiveFrom(8192, { signal: controller.signal })
    await sleep(1)
    expect(server.socket.waitingReceives).toBe(1)
    controller.abort(new Error("stop"))
    await expect(pending).rejects.toThrow("stop")
    expect(server.socket.waitingReceives).toBe(0)
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0)

    const got: Array<string> = []
    const loop = (async () => {
      for await (const d of server) {
        got.push(text(d.data))
        if (got.length === 3) server.close()
      }
    })()
    for (const m of ["a", "b", "c"]) await client.send(m)
    await loop
    expect(got).toEqual(["a", "b", "c"])

    // a connected socket's datagrams carry the peer
    await using echo = await udp.bind("127.0.0.1", 0)
    await using peer = await udp.connect("127.0.0.1", echo.getSockName().port)
    await peer.send("hello")
    const first = await echo.receiveFrom()
    await echo.sendTo("back", first.address, first.port)
    for await (const d of peer.datagrams({ timeout: 1 })) {
      expect(text(d.data)).toBe("back")
      expect(d.port).toBe(echo.getSockName().port)
      break
    }
  })
})

describe("select", () => {
  it("takes the Promise API's sockets and resolves with them; Timeout when nothing is ready; abortable", async () => {
    await using server = await listen("127.0.0.1", 0)
    const { port } = server.getSockName()
    await using u = await udp.bind("127.0.0.1", 0)
    await expect(select([server, u], [], { timeout: 0.02 })).rejects.toBeInstanceOf(NetError.Timeout)
    const waiting = select([server, u], undefined, { timeout: 5 })
    await using client = await connect("127.0.0.1", port)
    const ready = await waiting
    expect(ready.readable).toEqual([server])
    await using conn = await server.accept()
    const w = await select([conn], [client], { timeout: 0 })
    expect(w.writable).toEqual([client])
    expect(w.readable).toEqual([])
    await client.send("x\n")
    expect((await select([conn, u], [], { timeout: "1 second" })).readable).toEqual([conn])
    const controller = new AbortController()
    const aborted = select([u], [], { signal: controller.signal })
    await sleep(1)
    expect(u.socket.readyListeners).toBe(1)
    controller.abort()
    await expect(aborted).rejects.toMatchObject({ name: "AbortError" })
    expect(u.socket.readyListeners).toBe(0)
  })
})

describe("dns", () => {
  it("thin Promises over the core's resolver", async () => {
    expect(await getAddrInfo("127.0.0.1")).toEqual([{ family: "inet", address: "127.0.0.1" }])
    expect((await toIp("localhost")).first).toBe("127.0.0.1")
    expect(typeof dns.getHostname()).toBe("string")
    expect((await dns.getNameInfo(undefined, 80)).service).toBe("http")
    const e = await dns.toIp("no-such-host.invalid").then(() => undefined, (err: unknown) => err as NetError.NetError)
    expect(e).toBeInstanceOf(NetError.HostNotFound)
    expect(NetError.luaMessage(e!)).toBe("host not found")
  })
})
