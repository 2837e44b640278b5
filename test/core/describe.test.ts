/**
 * `describe(value)`: how error messages name a value a user gave. It must never throw,
 * whatever it is given (src/core/internal/describe.ts).
 */
import { describe as group, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { describe } from "../../src/core/internal/describe.js"

const hostile: ReadonlyArray<unknown> = [
  Object.create(null),
  { toString: 5 },
  { toString: () => { throw new Error("no") } },
  { [Symbol.toPrimitive]: () => { throw new Error("no") } },
  Symbol("s"),
  Symbol(),
  2n ** 64n,
  -5n,
  Object.assign(Object.create(null), { constructor: 5 }),
  new (class { static get name(): string { throw new Error("no") } })(),
  "\uD800",
  "x".repeat(10_000)
]

group("describe", () => {
  it.prop("never throws, and always gives a non-empty string", [fc.oneof(fc.anything({ withBigInt: true, withNullPrototype: true, withBoxedValues: true, withTypedArray: true, withMap: true, withSet: true, withDate: true, withSparseArray: true }), fc.constantFrom(...hostile))], ([u]) => {
    const d = describe(u)
    expect(typeof d).toBe("string")
    expect(d.length).toBeGreaterThan(0)
    expect(d.length).toBeLessThan(200)
  }, { fastCheck: { numRuns: 500 } })

  it("proxies that throw at every step", () => {
    const revoked = Proxy.revocable({}, {})
    revoked.revoke()
    const proxies = [revoked.proxy, new Proxy({}, { getPrototypeOf: () => { throw new Error("no") } }), new Proxy([], { get: () => { throw new Error("no") } })]
    for (const p of proxies) expect(describe(p).length).toBeGreaterThan(0)
  })

  it("examples", () => {
    expect(describe("abc")).toBe('"abc"')
    expect(describe("a\0b")).toBe('"a\\u0000b"')
    expect(describe("x".repeat(100))).toBe(JSON.stringify("x".repeat(80) + "..."))
    expect(describe(5)).toBe("5")
    expect(describe(-0)).toBe("-0")
    expect(describe(NaN)).toBe("NaN")
    expect(describe(5n)).toBe("5n")
    expect(describe(true)).toBe("true")
    expect(describe(undefined)).toBe("undefined")
    expect(describe(null)).toBe("null")
    expect(describe(Symbol("s"))).toBe("Symbol(s)")
    expect(describe(() => 1)).toBe("a function")
    expect(describe([1, 2])).toBe("an array")
    expect(describe({ a: 1 })).toBe("an object")
    expect(describe(Object.create(null))).toBe("an object")
    expect(describe(new Uint8Array(3))).toBe("a Uint8Array of 3 bytes")
    expect(describe(Buffer.from("ab"))).toBe("a Buffer of 2 bytes")
    expect(describe(new Date(0))).toBe("a Date")
    expect(describe(new Error("e"))).toBe("an Error")
    expect(describe(new Map())).toBe("a Map")
    const revoked = Proxy.revocable({}, {})
    revoked.revoke()
    expect(describe(revoked.proxy)).toBe("a value")
  })
})
