/**
 * Name service and helpers (spec/reference-semantics.md section 1, "DNS and misc";
 * section 2 `resolve`, `getinterfaces`) against the real system resolver. Expected values
 * are what Debian's lua5.4 + lua-socket 3.1.0 return for the same calls; only names every
 * Linux host knows are used: `localhost`, 127.0.0.1, ::1, and the reserved `.invalid` TLD
 * (RFC 6761: never resolves).
 */
import * as os from "node:os"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Exit, Fiber, FastCheck as fc, TestClock } from "effect"
import * as Dns from "../../src/core/Dns.js"
import * as NetError from "../../src/core/NetError.js"

const failure = <A>(self: Effect.Effect<A, NetError.NetError>) =>
  Effect.flatMap(Effect.flip(self), (e) => Effect.succeed({ tag: e._tag, code: e.code, lua: NetError.luaMessage(e), message: e.message }))

const missing = "no-such-host.invalid"

describe("Dns.getaddrinfo", () => {
  it.effect("localhost resolves to loopback addresses, IPv4 ones as 127.x", () =>
    Effect.gen(function*() {
      const all = yield* Dns.getaddrinfo("localhost")
      expect(all.length).toBeGreaterThan(0)
      for (const a of all) {
        if (a.family === "inet") expect(a.address).toMatch(/^127\./)
        else expect(a.address).toBe("::1")
      }
      const v4 = yield* Dns.getaddrinfo("localhost", "inet")
      expect(v4.every((a) => a.family === "inet")).toBe(true)
    }))

  it.effect("IP literals come back as themselves, with their family", () =>
    Effect.gen(function*() {
      expect(yield* Dns.getaddrinfo("127.0.0.1")).toStrictEqual([{ family: "inet", address: "127.0.0.1" }])
      expect(yield* Dns.getaddrinfo("::1")).toStrictEqual([{ family: "inet6", address: "::1" }])
    }))

  it.effect("a name under .invalid is HostNotFound, LuaSocket's getaddrinfo text", () =>
    Effect.gen(function*() {
      const e = yield* failure(Dns.getaddrinfo(missing))
      expect(e.tag).toBe("HostNotFound")
      expect(e.lua).toBe("host or service not provided, or not known")
      expect(e.message).toContain(missing)
    }))

  it.effect("what getaddrinfo itself rejects fails the same way (empty, *, spaces, brackets)", () =>
    Effect.gen(function*() {
      for (const host of ["", "*", "a b", "[::1]"]) {
        const e = yield* failure(Dns.getaddrinfo(host))
        expect(e.tag).toBe("HostNotFound")
        expect(e.lua).toBe("host or service not provided, or not known")
      }
    }))

  it.effect("resolve (lsocket) is getaddrinfo with lsocket's field names", () =>
    Effect.gen(function*() {
      const a = yield* Dns.getaddrinfo("localhost")
      const r = yield* Dns.resolve("localhost")
      expect(r).toStrictEqual(a.map((x) => ({ family: x.family, addr: x.address })))
      expect((yield* failure(Dns.resolve(missing))).tag).toBe("HostNotFound")
    }))
})

describe("Dns.toip / tohostname", () => {
  it.effect("localhost and 127.0.0.1 give LuaSocket's table", () =>
    Effect.gen(function*() {
      const byName = yield* Dns.toip("localhost")
      expect(byName.first).toBe(byName.info.ip[0])
      expect(byName.info.name).toBe("localhost")
      expect(byName.info.alias).toStrictEqual([])
      expect(byName.info.ip.every((ip) => /^127\./.test(ip))).toBe(true)

      // lua5.4: toip("127.0.0.1") -> "127.0.0.1", {name = "localhost", alias = {}, ip = {"127.0.0.1"}}
      const byAddress = yield* Dns.toip("127.0.0.1")
      expect(byAddress.first).toBe("127.0.0.1")
      expect(byAddress.info.ip).toStrictEqual(["127.0.0.1"])
      expect(byAddress.info.name.length).toBeGreaterThan(0)

      const reverse = yield* Dns.tohostname("127.0.0.1")
      expect(reverse.first).toBe(byAddress.info.name)
      expect(reverse.info).toStrictEqual(byAddress.info)
      expect((yield* Dns.tohostname("localhost")).first).toBe("localhost")
    }))

  it.effect("misses say \"host not found\" (only these two functions do)", () =>
    Effect.gen(function*() {
      for (const lookup of [Dns.toip(missing), Dns.tohostname(missing), Dns.toip("::1"), Dns.tohostname("::1")]) {
        const e = yield* failure(lookup)
        expect(e.tag).toBe("HostNotFound")
        expect(e.code).toBe("HOST_NOT_FOUND")
        expect(e.lua).toBe("host not found")
      }
      // glibc's gethostbyname("") fails with NO_RECOVERY; lua5.4 prints its hstrerror text
      expect((yield* failure(Dns.toip(""))).lua).toBe("Unknown server error")
      // the same miss through getaddrinfo keeps getaddrinfo's text
      expect((yield* failure(Dns.getaddrinfo(missing))).lua).toBe("host or service not provided, or not known")
    }))

  it("asHostLookupError maps resolver codes to h_errno and keeps other errors", () => {
    const gai = (code: string) => new NetError.HostNotFound({ operation: "toip", address: "x", code })
    expect(NetError.luaMessage(NetError.asHostLookupError(gai("ENOTFOUND")))).toBe("host not found")
    expect(NetError.luaMessage(NetError.asHostLookupError(gai("EAI_AGAIN")))).toBe("Host name lookup failure")
    expect(NetError.luaMessage(NetError.asHostLookupError(gai("EAI_FAIL")))).toBe("Unknown server error")
    expect(NetError.asHostLookupError(gai("ENOTFOUND")).cause).toBeInstanceOf(NetError.HostNotFound)
    const closed = new NetError.Closed({ operation: "receive" })
    expect(NetError.asHostLookupError(closed)).toBe(closed)
    expect(NetError.luaMessageForCode("HOST_NOT_FOUND")).toBe("host not found")
    expect(NetError.tagOfCode("TRY_AGAIN")).toBe("HostNotFound")
  })
})

describe("Dns.getnameinfo", () => {
  it.effect("reverse of 127.0.0.1 is the name of 127.0.0.1; of a name, the names of its addresses", () =>
    Effect.gen(function*() {
      const name = (yield* Dns.tohostname("127.0.0.1")).first
      expect(yield* Dns.getnameinfo("127.0.0.1")).toStrictEqual({ names: [name], service: undefined })
      const addresses = yield* Dns.getaddrinfo("localhost")
      const info = yield* Dns.getnameinfo("localhost")
      expect(info.names.length).toBe(addresses.length)
      expect(info.service).toBeUndefined()
    }))

  it.effect("an address without a name gives the numeric address (getnameinfo without NI_NAMEREQD)", () =>
    Effect.gen(function*() {
      // lua5.4: getnameinfo("127.0.0.2") -> {"127.0.0.2"} on a host whose /etc/hosts does not name it
      const info = yield* Dns.getnameinfo("127.0.0.2")
      const named = yield* Effect.either(Dns.tohostname("127.0.0.2"))
      expect(info.names).toStrictEqual([Either.isRight(named) ? named.right.first : "127.0.0.2"])
    }))

  it.effect("services: numbers and numeric strings, names via /etc/services, numbers when unnamed", () =>
    Effect.gen(function*() {
      // lua5.4: getnameinfo(nil, 22) -> {}, "ssh"; (nil, 54321) -> {}, "54321"; ("localhost", "http") -> {...}, "http"
      expect(yield* Dns.getnameinfo(undefined, 22)).toStrictEqual({ names: [], service: "ssh" })
      expect(yield* Dns.getnameinfo(undefined, "80")).toStrictEqual({ names: [], service: "http" })
      expect(yield* Dns.getnameinfo(undefined, 54321)).toStrictEqual({ names: [], service: "54321" })
      expect((yield* Dns.getnameinfo("localhost", "http")).service).toBe("http")
      expect((yield* Dns.getnameinfo("::1", 80)).service).toBe("http")
      const unknown = yield* failure(Dns.getnameinfo(undefined, "nosuchservice"))
      expect(unknown.tag).toBe("HostNotFound")
      expect(unknown.lua).toBe("service not supported for socket type")
    }))

  it.effect("no host and no service is an InvalidArgument; a missing host fails as getaddrinfo", () =>
    Effect.gen(function*() {
      const none = yield* failure(Dns.getnameinfo())
      expect(none.tag).toBe("InvalidArgument")
      expect(none.lua).toBe("host and serv cannot be both nil")
      expect((yield* failure(Dns.getnameinfo(missing))).lua).toBe("host or service not provided, or not known")
    }))
})

describe("Dns: host and interfaces", () => {
  it.effect("gethostname is the OS host name", () =>
    Effect.gen(function*() {
      expect(yield* Dns.gethostname).toBe(os.hostname())
    }))

  it.effect("getinterfaces lists the loopback interface with 127.0.0.1/255.0.0.0", () =>
    Effect.gen(function*() {
      const all = yield* Dns.getinterfaces
      const lo = all.find((i) => i.address === "127.0.0.1")
      expect(lo).toBeDefined()
      expect(lo!.family).toBe("inet")
      expect(lo!.netmask).toBe("255.0.0.0")
      expect(lo!.name.length).toBeGreaterThan(0)
      for (const i of all) expect(["inet", "inet6"]).toContain(i.family)
    }))
})

describe("Dns: gettime, sleep, skip", () => {
  it.effect("gettime is the Clock's epoch seconds as a float", () =>
    Effect.gen(function*() {
      expect(yield* Dns.gettime).toBe(0)
      yield* TestClock.adjust(Duration.millis(1500))
      expect(yield* Dns.gettime).toBe(1.5)
      yield* TestClock.setTime(1_700_000_000_250)
      expect(yield* Dns.gettime).toBe(1_700_000_000.25)
    }))

  it.live("gettime on the real clock is the epoch time in seconds", () =>
    Effect.gen(function*() {
      const before = Date.now() / 1000
      const t = yield* Dns.gettime
      expect(Math.abs(t - before)).toBeLessThan(1)
    }))

  it.effect("sleep waits the Clock; zero, negative and NaN return at once", () =>
    Effect.gen(function*() {
      for (const s of [0, -1, -0.5, Number.NaN]) yield* Dns.sleep(s)
      const fiber = yield* Effect.fork(Dns.sleep(2.5))
      yield* TestClock.adjust(Duration.millis(2499))
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust(Duration.millis(1))
      expect(Exit.isSuccess(yield* Fiber.await(fiber))).toBe(true)
    }))

  it.prop("skip(d, ...vs) drops the first d values (none for d <= 0)", [fc.integer({ min: -3, max: 8 }), fc.array(fc.anything(), { maxLength: 6 })], ([d, vs]) => {
    const out = Dns.skip(d, ...vs)
    expect(out).toStrictEqual(d <= 0 ? vs : vs.slice(d))
    expect(out.length).toBe(Math.max(0, vs.length - Math.max(0, d)))
    // skip(a, ...skip(b, ...vs)) = skip(a + b, ...vs) for non-negative counts
    if (d >= 0) expect(Dns.skip(1, ...Dns.skip(d, ...vs))).toStrictEqual(Dns.skip(d + 1, ...vs))
  })

  it("skip as in lua5.4", () => {
    expect(Dns.skip(2, 1, 2, 3, 4)).toStrictEqual([3, 4])
    expect(Dns.skip(0, 1, 2)).toStrictEqual([1, 2])
    expect(Dns.skip(5, 1, 2)).toStrictEqual([])
  })
})

describe("Dns: values outside the types", () => {
  it.effect("sleep: seconds that are not a number are an InvalidArgument naming them (no arithmetic on a bigint or symbol)", () =>
    Effect.gen(function*() {
      for (const [u, name] of [[5n, "5n"], [Symbol("s"), "Symbol(s)"], ["1", "\"1\""], [null, "null"], [{}, "an object"]] as const) {
        const f = yield* failure(Dns.sleep(u as never))
        expect(f.tag).toBe("InvalidArgument")
        expect(f.message).toBe(`sleep: invalid argument: bad seconds ${name}: expected a number`)
      }
    }))

  it.prop("skip: a d that is not a number drops nothing, never throws", [fc.oneof(fc.anything({ withBigInt: true, withNullPrototype: true }), fc.constantFrom<unknown>(5n, Symbol("d"), "2", Object.create(null))).filter((u) => typeof u !== "number"), fc.array(fc.anything(), { maxLength: 4 })], ([d, vs]) => {
    expect(Dns.skip(d as never, ...vs)).toStrictEqual(vs)
  })

  it.effect("getaddrinfo: a family other than inet, inet6 or unspec is an InvalidArgument naming it", () =>
    Effect.gen(function*() {
      for (const [family, name] of [["bogus", "\"bogus\""], ["unix", "\"unix\""], [Symbol("f"), "Symbol(f)"], [Object.create(null), "an object"], [null, "null"], [6, "6"]] as const) {
        for (const host of ["127.0.0.1", "localhost"]) {
          const f = yield* failure(Dns.getaddrinfo(host, family as never))
          expect(f.tag).toBe("InvalidArgument")
          expect(f.message).toContain(`bad family ${name}`)
        }
      }
      expect(yield* Dns.getaddrinfo("127.0.0.1", undefined)).toStrictEqual([{ family: "inet", address: "127.0.0.1" }])
    }))

  // getnameinfo(undefined, -0) itself runs in a child process in badinput.test.ts: were it to come back, it aborts the process.
  it.effect("portOfService: port -0 is port 0 (Node's lookupService aborts the process on -0)", () =>
    Effect.gen(function*() {
      expect(Object.is(yield* Dns.portOfService(-0, "getnameinfo"), 0)).toBe(true)
      expect(Object.is(yield* Dns.portOfService("0", "getnameinfo"), 0)).toBe(true)
    }))
})

describe("Dns: inputs a Lua facade may pass", () => {
  it.effect("non-strings are InvalidArgument, not resolver errors", () =>
    Effect.gen(function*() {
      const bad = [42, undefined, null, {}] as ReadonlyArray<unknown> as ReadonlyArray<string>
      for (const u of bad) {
        expect(Either.isLeft(yield* Effect.either(Dns.getaddrinfo(u)))).toBe(true)
        expect((yield* failure(Dns.toip(u))).tag).toBe("InvalidArgument")
      }
    }))
})
