import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import * as ReadBuffer from "../../src/core/ReadBuffer.js"
import { decodePattern } from "../../src/facade/luasocket.js"
import { ArgError } from "../../src/facade/spec.js"
import socket, { LuaRaise, LuaTryError } from "../../src/luasocket/index.js"
import { fdCount } from "../support.js"
import { haveReference, runFacade, runLua, type Step, toLua } from "./differential.js"

const ALL_BYTES = Array.from({ length: 256 }, (_, i) => i)

/** TCP: the life of a connection, every pattern and error LuaSocket returns. */
const tcpScenario: ReadonlyArray<Step> = [
  { on: "socket", call: "tcp", save: ["m"], typesOnly: true },
  { on: "m", call: "getfd" },
  { on: "m", call: "getfamily" },
  { on: "m", call: "gettimeout" },
  { on: "m", call: "settimeout", args: [1, "t"] },
  { on: "m", call: "gettimeout" },
  { on: "m", call: "settimeout", args: [1, "x"] },
  { on: "m", call: "receive" },
  { on: "m", call: "accept" },
  { on: "m", call: "setoption", args: ["bogus", 1] },
  { on: "m", call: "close" },
  { on: "m", call: "close" },
  { on: "m", call: "getfd" },
  { on: "socket", call: "bind", args: ["127.0.0.1", 0], save: ["srv"] },
  { on: "srv", call: "getsockname", save: [null, "port"], mask: [1] },
  { on: "srv", call: "listen" },
  { on: "socket", call: "connect", args: ["127.0.0.1", { ref: "port" }], save: ["c"] },
  { on: "srv", call: "accept", save: ["a"] },
  { on: "a", call: "gettimeout" },
  { on: "c", call: "getpeername", mask: [1] },
  { on: "c", call: "getfamily" },
  { on: "c", call: "send", args: ["hello\r\nwor\rld\nrest"] },
  { on: "a", call: "receive", args: ["*l"] },
  { on: "a", call: "receive" },
  { on: "a", call: "receive", args: [2, "abcd"] },
  { on: "a", call: "receive", args: ["2"] },
  { on: "a", call: "dirty" },
  { on: "a", call: "receive", args: [2] },
  { on: "a", call: "dirty" },
  { on: "a", call: "receive", args: ["l"] },
  { on: "a", call: "receive", args: [-1] },
  { on: "a", call: "settimeout", args: [0] },
  { on: "a", call: "receive", args: ["*l", "pre"] },
  { on: "a", call: "receive", args: [5] },
  { on: "a", call: "receive", args: ["*a"] },
  { on: "c", call: "send", args: ["12345678", 3, -2] },
  { on: "c", call: "send", args: ["hello", 10] },
  { on: "c", call: "send", args: [""] },
  { on: "c", call: "send", args: ["abc", -2] },
  { on: "a", call: "settimeout", args: [1] },
  { on: "a", call: "receive", args: [5] },
  { on: "c", call: "send", args: [{ bytes: ALL_BYTES }] },
  { on: "a", call: "receive", args: [256] },
  { on: "c", call: "send", args: ["tail\r\nx"] },
  { on: "c", call: "shutdown", args: ["send"] },
  { on: "a", call: "receive", args: ["*l"] },
  { on: "a", call: "receive", args: ["*l"] },
  { on: "a", call: "receive", args: ["*a"] },
  { on: "a", call: "receive", args: ["*a"] },
  { on: "a", call: "receive", args: [0] },
  { on: "c", call: "shutdown", args: ["sideways"] },
  { on: "c", call: "getstats", mask: [2] },
  { on: "c", call: "close" },
  { on: "a", call: "send", args: ["x"] },
  { on: "a", call: "close" },
  { on: "a", call: "receive" },
  { on: "srv", call: "send", args: ["x"] },
  { on: "srv", call: "close" },
  { on: "socket", call: "connect", args: ["127.0.0.1", { ref: "port" }] },
  { on: "socket", call: "skip", args: [1, "a", "b", "c"] },
  { on: "socket", call: "select", args: [1] },
  { on: "socket", call: "dns.toip", args: ["127.0.0.1"] },
  { on: "socket", call: "dns.getaddrinfo", args: ["127.0.0.1"] }
]

/** UDP: unconnected and connected objects. */
const udpScenario: ReadonlyArray<Step> = [
  { on: "socket", call: "udp", save: ["u"], typesOnly: true },
  { on: "u", call: "setsockname", args: ["127.0.0.1", 0] },
  { on: "u", call: "getsockname", save: [null, "uport"], mask: [1] },
  { on: "socket", call: "udp", save: ["v"], typesOnly: true },
  { on: "v", call: "setpeername", args: ["127.0.0.1", { ref: "uport" }] },
  { on: "v", call: "getpeername", mask: [1] },
  { on: "v", call: "sendto", args: ["x", "127.0.0.1", 9] },
  { on: "v", call: "send", args: ["hello world"] },
  { on: "v", call: "send", args: [""] },
  { on: "v", call: "send", args: [{ bytes: ALL_BYTES }] },
  { on: "u", call: "settimeout", args: [1] },
  { on: "u", call: "receivefrom", args: [5], mask: [2] },
  { on: "u", call: "receive" },
  { on: "u", call: "receive" },
  { on: "u", call: "settimeout", args: [0] },
  { on: "u", call: "receive" },
  { on: "u", call: "send", args: ["x"] },
  { on: "u", call: "getpeername" },
  { on: "u", call: "dirty" },
  { on: "v", call: "setpeername", args: ["*"] },
  { on: "v", call: "getpeername" },
  { on: "v", call: "close" },
  { on: "u", call: "close" },
  { on: "u", call: "close" }
]

const reference = haveReference()
const inCi = process.env.EFFECT_LUASOCKET_CI === "1"

describe("luasocket facade: differential against lua5.4 + LuaSocket", () => {
  if (!reference && !inCi) {
    it.skip("lua5.4 with lua-socket is not installed here (apt-get install -y lua5.4 lua-socket); CI installs it", () => {})
    return
  }
  for (const [name, steps] of [["tcp", tcpScenario], ["udp", udpScenario]] as const) {
    it(`${name} scenario: same transcript`, async () => {
      expect(reference, "lua5.4 + lua-socket must be installed in CI").toBe(true)
      const want = runLua(toLua(steps))
      const got = await runFacade(socket as unknown as Record<string, unknown>, steps)
      expect(got.split("\n")).toEqual(want.split("\n"))
    }, 30_000)
  }
})

describe("luasocket facade: TypeScript conventions", () => {
  it("byte strings are binary strings: all 256 values and NULs round-trip", async () => {
    const [srv] = await socket.bind("127.0.0.1", 0)
    const [, port] = srv!.getsockname()
    const [c] = await socket.connect("127.0.0.1", port!)
    const [a] = await srv!.accept()
    const data = Buffer.from(ALL_BYTES.concat(ALL_BYTES.slice().reverse(), [0, 0, 0])).toString("latin1")
    expect(await c!.send(data)).toEqual([data.length, undefined, undefined])
    expect(await c!.send(new Uint8Array([0, 255, 10]))).toEqual([3, undefined, undefined])
    expect(await a!.receive(data.length)).toEqual([data, undefined, undefined])
    expect(await a!.receive()).toEqual(["\x00\xff", undefined, undefined])
    for (const o of [a!, c!, srv!]) o.close()
  })

  it("a string with a char above \\xFF raises instead of being re-encoded", async () => {
    const [srv] = await socket.bind("127.0.0.1", 0)
    const [, port] = srv!.getsockname()
    const [c] = await socket.connect("127.0.0.1", port!)
    await expect(c!.send("héllo ✓")).rejects.toThrow(/bad argument #1 to 'send' \(string expected, got a string with a character above/)
    c!.close()
    srv!.close()
  })

  it("raises LuaRaise with LuaSocket's messages", async () => {
    const [m] = socket.tcp()
    expect(() => m!.settimeout(1, "q")).toThrow(new LuaRaise("settimeout", "invalid timeout mode", 3, true).message)
    await expect(m!.receive()).rejects.toBeInstanceOf(LuaRaise)
    await expect(m!.receive()).rejects.toThrow("calling 'receive' on bad self (tcp{client} expected)")
    await expect((socket.select as (...a: Array<unknown>) => Promise<unknown>)(3)).rejects.toThrow("bad argument #1 to 'select' (table expected, got number)")
    m!.close()
  })

  it("try / protect: try's failures come back as nil, err; other errors pass through", async () => {
    const [protect] = socket.protect((x: unknown) => socket.try(x, "boom", 3))
    expect(protect(1)).toEqual([1, "boom", 3])
    expect(protect(false)).toEqual([undefined, "boom"])
    const [asyncProtect] = socket.protect(async () => socket.try(null, "later"))
    expect(await asyncProtect()).toEqual([undefined, "later"])
    const [other] = socket.protect(() => {
      throw new Error("not a try")
    })
    expect(() => other()).toThrow("not a try")
    expect(() => socket.try(null, "x")).toThrow(LuaTryError)
    let finalized = 0
    const [tryF] = socket.newtry(() => finalized++)
    expect(() => tryF(undefined, "e")).toThrow(LuaTryError)
    expect(tryF(0, "no")).toEqual([0, "no"])
    expect(finalized).toBe(1)
  })

  it("sink and source move chunks through ltn12-style functions", async () => {
    const [srv] = await socket.bind("127.0.0.1", 0)
    const [, port] = srv!.getsockname()
    const [c] = await socket.connect("127.0.0.1", port!)
    const [a] = await srv!.accept()
    const [sink] = socket.sink("http-chunked", c!)
    expect(await sink("hello")).toEqual([1])
    expect(await sink("world!")).toEqual([1])
    expect(await sink()).toEqual([1])
    const [source] = socket.source("http-chunked", a!)
    expect(await source()).toEqual(["hello"])
    expect(await source()).toEqual(["world!"])
    expect(await source()).toEqual([])
    const [closer] = socket.sink("close-when-done", c!)
    const [byLength] = socket.source("by-length", a!, 3)
    await c!.send("abcdef")
    expect(await byLength()).toEqual(["abc"])
    expect(await byLength()).toEqual([])
    expect(await closer()).toEqual([1])
    const [untilClosed] = socket.source("until-closed", a!)
    expect(await untilClosed()).toEqual(["def"])
    expect(await untilClosed()).toEqual([])
    srv!.close()
  })

  it("select returns arrays of the objects passed in, and a timeout as the third result", async () => {
    const [srv] = await socket.bind("127.0.0.1", 0)
    const [, port] = srv!.getsockname()
    const [c] = await socket.connect("127.0.0.1", port!)
    const r1 = await socket.select([srv!], [c!], 1)
    expect(r1[0]).toEqual([srv])
    expect(r1[1]).toEqual([c])
    const [a] = await srv!.accept()
    expect(await socket.select([a!], undefined, 0.01)).toEqual([[], [], "timeout"])
    for (const o of [a!, c!, srv!]) o.close()
  })

  it("sockets closed through the facade release their descriptors", async () => {
    const before = fdCount()
    for (let i = 0; i < 50; i++) {
      const [srv] = await socket.bind("127.0.0.1", 0)
      const [, port] = srv!.getsockname()
      const [c] = await socket.connect("127.0.0.1", port!)
      const [a] = await srv!.accept()
      for (const o of [a!, c!, srv!]) o.close()
    }
    await new Promise((r) => setTimeout(r, 50))
    expect(fdCount()).toBeLessThanOrEqual(before + 2)
  })

  it.prop(
    "receive patterns: numbers and numeric strings are counts, other strings need *l / *a (first two chars)",
    [fc.oneof(fc.string({ maxLength: 6 }), fc.integer({ min: -5, max: 5 }), fc.double({ min: -3, max: 3, noNaN: true }), fc.constantFrom("*l", "*a", "*line", "*all", "l", "a", " 7 ", "0x10", "1e1"))],
    ([p]) => {
      const asNumber = typeof p === "number" ? p : p.trim() === "" ? NaN : Number(p.trim())
      const expected = !Number.isNaN(asNumber)
        ? asNumber >= 0 ? ReadBuffer.exactly(Math.floor(asNumber)) : "invalid"
        : p.toString().startsWith("*l") ? ReadBuffer.line : p.toString().startsWith("*a") ? ReadBuffer.all : "invalid"
      let got: unknown
      try {
        got = decodePattern(p, true)
      } catch (e) {
        got = e instanceof ArgError ? (e.reason === "invalid receive pattern" ? "invalid" : e.reason) : e
      }
      expect(got).toEqual(expected)
    },
    { fastCheck: { numRuns: 300 } }
  )

  it.prop(
    "receive patterns as binary strings (the Lua runtime's) decode as the same text",
    [fc.oneof(fc.string({ maxLength: 6 }), fc.string({ maxLength: 5 }).map((t) => "*" + t), fc.constantFrom("*", "*l", "*a", "*lx", "*ax", "*x", " 7 ", "0x10"))],
    ([p]) => {
      const decode = (v: unknown) => {
        try {
          return decodePattern(v, true)
        } catch (e) {
          return e instanceof ArgError ? `ArgError: ${e.reason}` : e
        }
      }
      expect(decode(new TextEncoder().encode(p))).toEqual(decode(p))
    },
    { fastCheck: { numRuns: 300 } }
  )

  it("receive without a pattern reads a line; nil pattern likewise", () => {
    expect(decodePattern(undefined, false)).toEqual(ReadBuffer.line)
    expect(decodePattern(null, true)).toEqual(ReadBuffer.line)
    expect(() => decodePattern({}, true)).toThrow("string expected, got table")
  })
})
