/**
 * What crosses the bridge: bytes exactly (all 256 values, NULs, an 8 MiB string both ways),
 * number subtypes, tables and their limits, and errors (LuaError semantics, host bugs).
 */
import { beforeAll, describe, expect, it } from "vitest"
import { type HostFunction, LuaError, type LuaValue } from "../../src/lua/index.js"
import { ensureBuilt, lua } from "./support.js"

beforeAll(ensureBuilt, 120_000)

const allBytes = Uint8Array.from({ length: 256 }, (_, i) => i)
const echo: HostFunction = (args) => args

describe("byte-exact strings", () => {
  it("all 256 byte values and NULs, Lua -> JS and JS -> Lua", async () => {
    let received: ReadonlyArray<LuaValue> = []
    const r = await lua(
      `local host = require "luasock.host"
      local s = {}
      for i = 0, 255 do s[#s + 1] = string.char(i) end
      s = table.concat(s)
      local back, nuls = host.take(s, "\\0", "a\\0b\\0")
      assert(#back == 256, #back)
      for i = 1, 256 do assert(back:byte(i) == 256 - i, i) end
      assert(nuls == "\\0\\0x\\0", nuls)
      print("ok")`,
      {
        hosts: {
          take: (args) => {
            received = args
            return [allBytes.slice().reverse(), new Uint8Array([0, 0, 120, 0])]
          }
        }
      }
    )
    expect(r.err).toBe("")
    expect(r.out).toBe("ok\n")
    expect(received[0]).toEqual(allBytes)
    expect(received[1]).toEqual(new Uint8Array([0]))
    expect(received[2]).toEqual(new Uint8Array([97, 0, 98, 0]))
  })

  it("an 8 MiB string round trip, byte for byte (and one made by the host)", async () => {
    const size = 8 * 1024 * 1024
    const fromHost = new Uint8Array(size)
    let x = 12345
    for (let i = 0; i < size; i++) {
      x = (x * 1103515245 + 12345) >>> 0
      fromHost[i] = x >>> 24
    }
    let receivedOk = false
    let echoedBack = false
    const r = await lua(
      `local host = require "luasock.host"
      local chunk = {}
      for i = 0, 255 do chunk[#chunk + 1] = string.char(i) end
      local s = string.rep(table.concat(chunk), 8 * 1024 * 1024 // 256)
      local back = host.echo(s)
      assert(#back == #s and back == s, "round trip differs")
      local big = host.big()
      assert(#big == 8 * 1024 * 1024)
      host.check(big)
      print("ok")`,
      {
        hosts: {
          echo: (args) => {
            const s = args[0] as Uint8Array
            receivedOk = s.length === size && s.every((b, i) => b === (i & 255))
            return [s]
          },
          big: () => [fromHost],
          check: (args) => {
            const s = args[0] as Uint8Array
            echoedBack = s.length === size && Buffer.compare(Buffer.from(s), Buffer.from(fromHost)) === 0
            return []
          }
        }
      }
    )
    expect(r.err).toBe("")
    expect(r.out).toBe("ok\n")
    expect(receivedOk).toBe(true)
    expect(echoedBack).toBe(true)
  })

  it("JS strings arrive as their UTF-8 bytes", async () => {
    const r = await lua(`local h = require "luasock.host"; local s = h.s(); print(#s, s == "h\\xC3\\xA9\\xE2\\x82\\xAC")`, {
      hosts: { s: () => ["hé€"] }
    })
    expect(r.out).toBe("6\ttrue\n")
  })
})

describe("numbers", () => {
  it("bigint -> Lua integer, number -> Lua float", async () => {
    const r = await lua(
      `local h = require "luasock.host"
      local i, f, big, neg, nan, inf, negzero = h.nums()
      print(i, f, math.type(i), math.type(f))
      print(big, math.type(big), big == math.maxinteger, neg == math.mininteger)
      print(nan ~= nan, inf, negzero, 1 / negzero)`,
      { hosts: { nums: () => [5n, 5, 2n ** 63n - 1n, -(2n ** 63n), NaN, Infinity, -0] } }
    )
    expect(r.err).toBe("")
    expect(r.out).toBe("5\t5.0\tinteger\tfloat\n9223372036854775807\tinteger\ttrue\ttrue\ntrue\tinf\t-0.0\t-inf\n")
  })

  it("Lua -> JS: floats and safe integers as numbers, larger integers as bigint", async () => {
    let got: ReadonlyArray<LuaValue> = []
    const r = await lua(`local h = require "luasock.host"; h.take(5, 5.5, 2^53, math.maxinteger, -(2^53 - 1) // 1, 9007199254740993)`, {
      hosts: { take: (args) => ((got = args), []) }
    })
    expect(r.exitCode).toBe(0)
    expect(got).toEqual([5, 5.5, 2 ** 53, 2n ** 63n - 1n, -(2 ** 53 - 1), 9007199254740993n])
  })

  it("a bigint outside 64 bits is a host bug, reported", async () => {
    const reported: Array<string> = []
    const r = await lua(`local h = require "luasock.host"; print(pcall(h.huge))`, {
      hosts: { huge: () => [2n ** 64n] },
      onHostError: (e, name) => reported.push(`${name}: ${(e as Error).message}`)
    })
    expect(r.out).toBe("false\thost function 'huge' failed: bigint 18446744073709551616 does not fit a Lua integer (64 bits)\n")
    expect(reported).toEqual(["huge: bigint 18446744073709551616 does not fit a Lua integer (64 bits)"])
  })
})

describe("tables", () => {
  it("Lua -> JS: sequences become arrays, other tables null-prototype records", async () => {
    let got: ReadonlyArray<LuaValue> = []
    await lua(
      `local h = require "luasock.host"
      h.take({}, { 1, 2, "three" }, { a = 1, [2] = true, [1.5] = "f" }, { [1] = "x", [3] = "y" }, { nested = { { deep = { "z" } } } })`,
      { hosts: { take: (args) => ((got = args), []) } }
    )
    const e = new TextEncoder()
    expect(got[0]).toEqual([])
    expect(got[1]).toEqual([1, 2, e.encode("three")])
    expect(Object.getPrototypeOf(got[2])).toBe(null)
    expect({ ...(got[2] as object) }).toEqual({ a: 1, 2: true, "1.5": e.encode("f") })
    expect({ ...(got[3] as object) }).toEqual({ 1: e.encode("x"), 3: e.encode("y") })
    expect(JSON.stringify(got[4], (_k, v) => (v instanceof Uint8Array ? new TextDecoder().decode(v) : v))).toBe(
      JSON.stringify({ nested: [{ deep: ["z"] }] })
    )
  })

  it("JS -> Lua: arrays become sequences (holes stay nil), objects tables with string keys", async () => {
    const r = await lua(
      `local h = require "luasock.host"
      local arr, obj, empty = h.give()
      print(#arr, arr[1], arr[2], arr[3], math.type(arr[3]))
      print(obj.name, obj.nested.list[2], obj["with space"], obj.gone)
      print(type(empty), next(empty))`,
      { hosts: { give: () => [["a", undefined, 3n], { name: "n", nested: { list: [1, 2] }, "with space": true, gone: undefined }, {}] } }
    )
    expect(r.err).toBe("")
    expect(r.out).toBe("3\ta\tnil\t3\tinteger\nn\t2.0\ttrue\tnil\ntable\tnil\n")
  })

  it("unsupported arguments are Lua errors naming the argument", async () => {
    const r = await lua(
      `local h = require "luasock.host"
      -- called through pcall, luaL_argerror names the function as found in package.loaded
      print(pcall(h.take, 1, print))
      print(pcall(h.take, { f = print }))
      print(pcall(h.take, nil, nil, coroutine.create(print)))
      local cyc = {} cyc.self = cyc
      print(pcall(h.take, cyc))
      local deep = {} local t = deep for i = 1, 40 do t.n = {} t = t.n end
      print(pcall(h.take, deep))
      print(pcall(h.take, { [{}] = 1 }))
      print(pcall(h.take, io.stdout))
      local ok = 0
      local shared = { 1 }
      print(pcall(h.take, { a = shared, b = shared }))
      local take = h.take
      print(pcall(function() take(print) end))`,
      { hosts: { take: () => [] } }
    )
    expect(r.err).toBe("")
    expect(r.out.split("\n")).toEqual([
      "false\tbad argument #2 to 'luasock.host.take' (function not supported by host call)",
      "false\tbad argument #1 to 'luasock.host.take' (table with a function value not supported by host call)",
      "false\tbad argument #3 to 'luasock.host.take' (thread not supported by host call)",
      "false\tbad argument #1 to 'luasock.host.take' (cyclic table not supported by host call)",
      "false\tbad argument #1 to 'luasock.host.take' (table nested deeper than 32 levels, not supported by host call)",
      "false\tbad argument #1 to 'luasock.host.take' (table with a table key not supported by host call)",
      "false\tbad argument #1 to 'luasock.host.take' (userdata not supported by host call)",
      "true",
      "false\t(source):16: bad argument #1 to 'take' (function not supported by host call)",
      ""
    ])
  })

  it("unsupported results are host bugs: raised in Lua and reported", async () => {
    const reported: Array<string> = []
    const cyc: Array<unknown> = []
    cyc.push(cyc)
    const r = await lua(
      `local h = require "luasock.host"
      print(pcall(h.fn))
      print(pcall(h.map))
      print(pcall(h.cyc))
      print(pcall(h.notArray))`,
      {
        hosts: {
          fn: () => [() => 1] as never,
          map: () => [new Map()] as never,
          cyc: () => [cyc] as never,
          notArray: (() => "x") as never
        },
        onHostError: (_e, name) => reported.push(name)
      }
    )
    expect(r.out.split("\n")).toEqual([
      "false\thost function 'fn' failed: a function cannot be passed to Lua",
      "false\thost function 'map' failed: a Map cannot be passed to Lua",
      "false\thost function 'cyc' failed: cyclic value",
      "false\thost function 'notArray' failed: a host function must return an array of values, got string",
      ""
    ])
    expect(reported).toEqual(["fn", "map", "cyc", "notArray"])
  })
})

describe("errors", () => {
  it("a LuaError is error(message): catchable by pcall with the exact value, position only by level", async () => {
    const reported: Array<unknown> = []
    const r = await lua(
      `local h = require "luasock.host"
      print(pcall(h.fail, "plain"))
      print(pcall(function() h.fail("at level 1", 1) end))
      local function wrapper() return h.fail("at level 2", 2) end
      print(pcall(function()
        wrapper()   -- line 6
      end))
      local ok, e = pcall(h.bytes)
      print(ok, #e, e == "nul\\0inside\\255")
      print(pcall(h.rejects))
      print(select("#", pcall(h.fail, "")))`,
      {
        name: "errs.lua",
        hosts: {
          fail: (args) => {
            throw new LuaError(new TextDecoder().decode(args[0] as Uint8Array), { level: Number(args[1] ?? 0) })
          },
          bytes: () => {
            throw new LuaError(new Uint8Array([110, 117, 108, 0, 105, 110, 115, 105, 100, 101, 255]))
          },
          rejects: () => Promise.reject(new LuaError("async failure"))
        },
        onHostError: (e) => reported.push(e)
      }
    )
    expect(r.err).toBe("")
    expect(r.out).toBe(
      [
        "false\tplain",
        "false\terrs.lua:3: at level 1",
        "false\terrs.lua:6: at level 2",
        "false\t11\ttrue",
        "false\tasync failure",
        "2",
        ""
      ].join("\n")
    )
    expect(reported).toEqual([])
  })

  it("any other exception is raised as a string and reported as a host bug", async () => {
    const reported: Array<string> = []
    const r = await lua(
      `local h = require "luasock.host"
      print(pcall(h.sync))
      print(pcall(h.async))
      print(pcall(h.weird))`,
      {
        hosts: {
          sync: () => {
            throw new TypeError("oops")
          },
          async: () => Promise.reject(new RangeError("later oops")),
          weird: () => {
            throw 42
          }
        },
        onHostError: (e, name) => reported.push(`${name}:${String(e)}`)
      }
    )
    expect(r.out).toBe(
      "false\thost function 'sync' failed: oops\nfalse\thost function 'async' failed: later oops\nfalse\thost function 'weird' failed: 42\n"
    )
    expect(reported).toEqual(["sync:TypeError: oops", "async:RangeError: later oops", "weird:42"])
  })

  it("host.call by name, and an unknown name", async () => {
    const r = await lua(`local h = require "luasock.host"; print(h.call("echo", "x", 2)); print(pcall(h.call, "nope"))`, {
      hosts: { echo }
    })
    expect(r.out).toBe("x\t2.0\nfalse\tbad argument #1 to 'luasock.host.call' (no host function 'nope' is registered)\n")
  })
})
