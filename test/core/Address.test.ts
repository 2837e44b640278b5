/**
 * Host and port parsing (spec/reference-semantics.md section 1, "Helpers"; section 2 for
 * unix paths and `@abstract` names), and resolution through the real resolver.
 */
import { isIP } from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Exit, FastCheck as fc } from "effect"
import * as Address from "../../src/core/Address.js"

// ---- helpers ----------------------------------------------------------------------

const hostOf = (input: unknown): Address.Host => {
  const r = Address.parseHost(input)
  if (Either.isLeft(r)) throw new Error(`expected ${String(input)} to parse, got: ${r.left.message}`)
  return r.right
}

const hostError = (input: unknown) => {
  const r = Address.parseHost(input, "connect")
  if (Either.isRight(r)) throw new Error(`expected ${String(input)} to be rejected, got ${JSON.stringify(r.right)}`)
  return r.left
}

/** How the message must name a primitive value (strings quoted; long ones may be cut). */
const named = (u: unknown): string | undefined => {
  if (typeof u === "string") return JSON.stringify(u).slice(0, 60)
  if (typeof u === "number" || typeof u === "boolean" || typeof u === "bigint" || u === undefined || u === null) return String(u)
  return undefined
}

// ---- arbitraries -------------------------------------------------------------------

const ipv6 = fc.ipV6()
const printable = fc.string({ unit: fc.constantFrom(..."abcXYZ019-_.:@*[]% ~".split("")), maxLength: 30 })

/** Strings that cannot be a host: a space or a control character somewhere, and no `/` or leading `@` (those are unix paths). */
const garbageString = fc
  .tuple(printable, fc.constantFrom(" ", "\t", "\n", "\r", "\x01", "\x7f", "\x00", " x"), printable)
  .map(([a, bad, b]) => a + bad + b)
  .filter((s) => !s.includes("/") && !s.startsWith("@") && s !== "*")

describe("Address.parseHost", () => {
  it.prop("IPv4 literals are Ip inet", [fc.ipV4()], ([ip]) => {
    expect(hostOf(ip)).toStrictEqual({ _tag: "Ip", family: "inet", address: ip })
  }, { fastCheck: { numRuns: 200 } })

  it.prop("IPv6 literals, bracketed or not, are Ip inet6 without the brackets", [ipv6, fc.boolean()], ([ip, bracketed]) => {
    expect(hostOf(bracketed ? `[${ip}]` : ip)).toStrictEqual({ _tag: "Ip", family: "inet6", address: ip })
  }, { fastCheck: { numRuns: 200 } })

  it.prop("brackets around anything but IPv6 are rejected", [fc.oneof(fc.ipV4(), fc.domain())], ([h]) => {
    const e = hostError(`[${h}]`)
    expect(e._tag).toBe("InvalidArgument")
    expect(e.message).toContain(JSON.stringify(`[${h}]`))
  }, { fastCheck: { numRuns: 100 } })

  it("* is Any", () => {
    expect(hostOf("*")).toStrictEqual({ _tag: "Any" })
  })

  it.prop("strings with a / are unix paths", [printable, printable], ([a, b]) => {
    fc.pre(!a.startsWith("@"))
    const path = `${a}/${b}`
    expect(hostOf(path)).toStrictEqual({ _tag: "Unix", path, abstract: false })
    expect(Address.unixPath({ _tag: "Unix", path, abstract: false })).toBe(path)
  }, { fastCheck: { numRuns: 200 } })

  it.prop("@name is a unix abstract name", [fc.string({ minLength: 1, maxLength: 60 }).filter((s) => !s.includes("\0"))], ([name]) => {
    const h = hostOf("@" + name)
    expect(h).toStrictEqual({ _tag: "Unix", path: "@" + name, abstract: true })
    if (h._tag === "Unix") expect(Address.unixPath(h)).toBe("\0" + name)
  }, { fastCheck: { numRuns: 200 } })

  it("unix paths longer than sun_path, a bare @ and NUL bytes are rejected", () => {
    expect(hostError("/" + "x".repeat(200))._tag).toBe("InvalidArgument")
    expect(hostError("@" + "x".repeat(200))._tag).toBe("InvalidArgument")
    expect(hostError("@")._tag).toBe("InvalidArgument")
    expect(hostError("/tmp/a\0b")._tag).toBe("InvalidArgument")
    expect(hostError("@a\0b")._tag).toBe("InvalidArgument")
    // the longest path that fits: 107 bytes
    expect(hostOf("/" + "x".repeat(106))._tag).toBe("Unix")
  })

  it.prop("valid domain names are Name", [fc.domain()], ([name]) => {
    expect(hostOf(name)).toStrictEqual({ _tag: "Name", name })
    expect(hostOf(name + ".")).toStrictEqual({ _tag: "Name", name: name + "." })
  }, { fastCheck: { numRuns: 200 } })

  it("localhost and single labels are Name", () => {
    expect(hostOf("localhost")).toStrictEqual({ _tag: "Name", name: "localhost" })
    expect(hostOf("db1")).toStrictEqual({ _tag: "Name", name: "db1" })
  })

  it.prop("strings with spaces or control characters are rejected, naming the value", [garbageString], ([s]) => {
    const e = hostError(s)
    expect(e._tag).toBe("InvalidArgument")
    expect(e.message).toContain(named(s))
    expect(e.message.startsWith("connect")).toBe(true)
  }, { fastCheck: { numRuns: 200 } })

  it.prop("malformed names are rejected", [fc.constantFrom("", "-a.com", "a..b", ".", "a.-", "exa mple.com", "a".repeat(64) + ".com", ("a".repeat(60) + ".").repeat(5) + "com", "ex!ample.com", "1.2.3.4.5:80", "[::1")], ([s]) => {
    const e = hostError(s)
    expect(e._tag).toBe("InvalidArgument")
    expect(e.message).toContain(named(s))
  })

  it.prop("non-strings are rejected, naming the value when it is a primitive", [fc.anything().filter((u) => typeof u !== "string")], ([u]) => {
    const e = hostError(u)
    expect(e._tag).toBe("InvalidArgument")
    expect(e.message).toContain("bad host")
    const n = named(u)
    if (n !== undefined) expect(e.message).toContain(n)
  }, { fastCheck: { numRuns: 200 } })

  it.prop("every string is classified or rejected, never throws", [fc.string({ unit: "binary", maxLength: 40 })], ([s]) => {
    const r = Address.parseHost(s)
    if (Either.isRight(r)) {
      const h = r.right
      if (h._tag === "Ip") expect(isIP(h.address)).toBe(h.family === "inet" ? 4 : 6)
      if (h._tag === "Unix") expect(s.includes("/") || s.startsWith("@")).toBe(true)
      if (h._tag === "Name") expect(/^[A-Za-z0-9_.-]+$/.test(h.name)).toBe(true)
      if (h._tag === "Any") expect(s).toBe("*")
    } else {
      expect(r.left._tag).toBe("InvalidArgument")
    }
  }, { fastCheck: { numRuns: 300 } })
})

// ---- ports ---------------------------------------------------------------------------

/** The model: integers 0..65535, or their decimal digits (surrounding blanks allowed). */
const modelPort = (u: unknown): number | undefined => {
  // -0 is port 0 (never -0: Node's lookupService aborts the process on it)
  if (typeof u === "number") return Number.isInteger(u) && u >= 0 && u <= 65535 ? (u === 0 ? 0 : u) : undefined
  if (typeof u === "string" && /^\s*[0-9]+\s*$/.test(u)) {
    const n = Number(u.trim())
    return n <= 65535 ? n : undefined
  }
  return undefined
}

describe("Address.parsePort", () => {
  it.prop("integers 0..65535 are accepted as they are", [fc.integer({ min: 0, max: 65535 })], ([n]) => {
    expect(Address.parsePort(n)).toStrictEqual(Either.right(n))
  }, { fastCheck: { numRuns: 200 } })

  it.prop(
    "numeric strings are accepted as their value",
    [fc.integer({ min: 0, max: 65535 }), fc.nat(3), fc.constantFrom("", " ", "\t"), fc.constantFrom("", " ", "\n")],
    ([n, zeros, before, after]) => {
      const s = before + "0".repeat(zeros) + String(n) + after
      expect(Address.parsePort(s)).toStrictEqual(Either.right(n))
    },
    { fastCheck: { numRuns: 200 } }
  )

  const portLike = fc.oneof(
    fc.anything(),
    fc.integer({ min: -100_000, max: 200_000 }),
    fc.double(),
    fc.integer({ min: -100, max: 100_000 }).map(String),
    fc.string({ maxLength: 8 }),
    fc.constantFrom("", " ", "80a", "0x50", "1e3", "-1", "+80", "8 0", "80.0", "65536", "http", NaN, Infinity, -1, 65536, 80.5, 1e21)
  )

  it("-0 is port 0, never -0", () => {
    const got = Address.parsePort(-0)
    expect(Either.isRight(got) && Object.is(got.right, 0)).toBe(true)
  })

  it.prop("everything else is rejected with a message naming it", [portLike], ([u]) => {
    const want = modelPort(u)
    const got = Address.parsePort(u, "bind")
    if (want !== undefined) {
      expect(got).toStrictEqual(Either.right(want))
      return
    }
    expect(Either.isLeft(got)).toBe(true)
    if (Either.isLeft(got)) {
      expect(got.left._tag).toBe("InvalidArgument")
      expect(got.left.message).toContain("bad port")
      expect(got.left.message.startsWith("bind")).toBe(true)
      const n = named(u)
      if (n !== undefined) expect(got.left.message).toContain(n)
    }
  }, { fastCheck: { numRuns: 300 } })
})

// ---- formatting and resolution ---------------------------------------------------------------

describe("Address.format / anyAddress", () => {
  it.prop("IPv6 addresses are bracketed before a port, others are not", [fc.oneof(fc.ipV4(), ipv6, fc.domain()), fc.integer({ min: 0, max: 65535 })], ([h, port]) => {
    expect(Address.format(h, port)).toBe(isIP(h) === 6 ? `[${h}]:${port}` : `${h}:${port}`)
    expect(Address.format(h)).toBe(h)
  }, { fastCheck: { numRuns: 100 } })

  it("* is 0.0.0.0 unless the socket is IPv6", () => {
    expect(Address.anyAddress("inet")).toBe("0.0.0.0")
    expect(Address.anyAddress("unspec")).toBe("0.0.0.0")
    expect(Address.anyAddress("inet6")).toBe("::")
  })
})

describe("Address.resolve", () => {
  const families: ReadonlyArray<Address.Family> = ["inet", "inet6", "unspec"]

  it.effect.prop("an IP literal resolves to itself, or fails on a socket of the other family", [fc.oneof(fc.ipV4(), ipv6), fc.constantFrom(...families)], ([ip, family]) =>
    Effect.gen(function*() {
      const host = hostOf(ip)
      if (host._tag !== "Ip") throw new Error("not an IP")
      const exit = yield* Effect.exit(Address.resolve(host, family, "connect"))
      if (family === "unspec" || family === host.family) {
        expect(exit).toStrictEqual(Exit.succeed([{ family: host.family, address: ip }]))
      } else {
        expect(Exit.isFailure(exit)).toBe(true)
        const error = yield* Effect.flip(Address.resolve(host, family, "connect"))
        expect(error._tag).toBe("InvalidArgument")
        expect(error.message).toContain(ip)
      }
    }), { fastCheck: { numRuns: 50 } })

  it.effect("a family that is not one (passed on from a user's options) is named in the message, whatever it is", () =>
    Effect.gen(function*() {
      const host = hostOf("127.0.0.1")
      if (host._tag !== "Ip") throw new Error("not an IP")
      for (const [family, name] of [[Symbol("f"), "Symbol(f)"], [Object.create(null), "an object"], [5n, "5n"], ["bogus", "\"bogus\""]] as const) {
        const error = yield* Effect.flip(Address.resolve(host, family as never, "connect"))
        expect(error._tag).toBe("InvalidArgument")
        expect(error.message).toContain(`cannot be used on an ${name} socket`)
      }
      expect((yield* Effect.flip(Address.resolve(host, "inet6", "connect"))).message).toContain("on an inet6 socket")
    }))

  it.effect("* resolves to the any address of the family", () =>
    Effect.gen(function*() {
      expect(yield* Address.resolve({ _tag: "Any" }, "inet6", "bind")).toStrictEqual([{ family: "inet6", address: "::" }])
      expect(yield* Address.resolve({ _tag: "Any" }, "unspec", "bind")).toStrictEqual([{ family: "inet", address: "0.0.0.0" }])
    }))

  it.live("localhost resolves to at least one loopback address", () =>
    Effect.gen(function*() {
      const all = yield* Address.resolve({ _tag: "Name", name: "localhost" }, "unspec", "connect")
      expect(all.length).toBeGreaterThan(0)
      for (const a of all) expect(isIP(a.address)).toBe(a.family === "inet" ? 4 : 6)
      const v4 = yield* Address.resolve({ _tag: "Name", name: "localhost" }, "inet", "connect")
      expect(v4.length).toBeGreaterThan(0)
      for (const a of v4) expect(a.family).toBe("inet")
    }))

  it.live("a name under .invalid fails with HostNotFound naming the host", () =>
    Effect.gen(function*() {
      const name = "no-such-host.invalid"
      const error = yield* Effect.flip(Address.resolve({ _tag: "Name", name }, "unspec", "connect"))
      // ENOTFOUND offline and online; EAI_AGAIN (no resolver reachable) is HostNotFound too
      expect(error._tag).toBe("HostNotFound")
      expect(error.address).toBe(name)
      expect(error.message).toContain(name)
      expect(error.message.startsWith("connect")).toBe(true)
    }))
})
