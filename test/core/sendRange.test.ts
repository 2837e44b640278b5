/**
 * `send(data, i, j)` index arithmetic against two independent models: Lua 5.4's
 * `string.sub` for the bytes that go out, and LuaSocket's buffer.c arithmetic for the
 * returned last index (spec/reference-semantics.md section 1, "send").
 */
import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { sendRange } from "../../src/core/Tcp.js"

// ---- models -------------------------------------------------------------------

/** Lua 5.4 lstrlib.c `posrelatI`: a start position. */
const posrelatI = (pos: number, len: number): number => {
  if (pos > 0) return pos
  if (pos === 0) return 1
  if (pos < -len) return 1
  return len + pos + 1
}

/** Lua 5.4 lstrlib.c `getendpos`: an end position. */
const getendpos = (pos: number, len: number): number => {
  if (pos > len) return len
  if (pos >= 0) return pos
  if (pos < -len) return 0
  return len + pos + 1
}

/** Lua's `string.sub(s, i, j)` on integer positions. */
const stringSub = (s: Uint8Array, i: number, j: number): Uint8Array => {
  const start = posrelatI(i, s.length)
  const end = getendpos(j, s.length)
  return start <= end ? s.slice(start - 1, end) : new Uint8Array(0)
}

/** LuaSocket's `meth_send` (buffer.c): `(long)` truncates toward zero; returns `sent + start - 1`. */
const luaSocketSend = (s: Uint8Array, i: number, j: number): { readonly bytes: Uint8Array; readonly lastIndex: number } => {
  const ti = Math.trunc(i)
  const tj = Math.trunc(j)
  const bytes = stringSub(s, ti, tj)
  // LuaSocket's own start index (not string.sub's): only negatives are moved, then clamped to 1.
  const start = Math.max(ti < 0 ? s.length + ti + 1 : ti, 1)
  return { bytes, lastIndex: bytes.length + start - 1 }
}

/** What the implementation sends for a range (as Tcp.send does with it). */
const implSend = (s: Uint8Array, i?: number, j?: number): { readonly bytes: Uint8Array; readonly lastIndex: number } => {
  const range = sendRange(s.length, i, j)
  const count = Math.max(0, range.j - range.i + 1)
  const bytes = count > 0 ? s.slice(range.i - 1, range.j) : new Uint8Array(0)
  return { bytes, lastIndex: range.i - 1 + count }
}

// ---- arbitraries --------------------------------------------------------------

const data = fc.uint8Array({ minLength: 0, maxLength: 40 })
/** Indices around the interesting boundaries (0, +-len, +-len+-1) plus fractions. */
const index = fc.oneof(
  fc.integer({ min: -50, max: 50 }),
  fc.double({ min: -50, max: 50, noNaN: true }),
  fc.integer({ min: -2_000_000_000, max: 2_000_000_000 }),
  fc.constantFrom(0, -0, 1, -1, 0.5, -0.5, 0.999, -0.999)
)

describe("sendRange", () => {
  it.prop("sends string.sub(data, i, j) and returns sent + i - 1", [data, index, index], ([bytes, i, j]) => {
    const want = luaSocketSend(bytes, i, j)
    const got = implSend(bytes, i, j)
    expect(got.bytes).toStrictEqual(want.bytes)
    expect(got.lastIndex).toBe(want.lastIndex)
  }, { fastCheck: { numRuns: 300 } })

  it.prop("defaults are i = 1, j = -1: the whole string, returning its length", [data], ([bytes]) => {
    const got = implSend(bytes)
    expect(got.bytes).toStrictEqual(bytes)
    expect(got.lastIndex).toBe(bytes.length)
  }, { fastCheck: { numRuns: 100 } })

  it.prop("the range always lies inside the data, i >= 1 and j <= len", [data, index, index], ([bytes, i, j]) => {
    const range = sendRange(bytes.length, i, j)
    expect(Number.isInteger(range.i)).toBe(true)
    expect(Number.isInteger(range.j)).toBe(true)
    expect(range.i).toBeGreaterThanOrEqual(1)
    expect(range.j).toBeLessThanOrEqual(bytes.length)
  }, { fastCheck: { numRuns: 200 } })

  it("examples checked against lua5.4 + lua-socket 3.1.0", () => {
    const hello = new TextEncoder().encode("hello")
    const last = (s: Uint8Array, i?: number, j?: number) => implSend(s, i, j).lastIndex
    const text = (s: Uint8Array, i?: number, j?: number) => new TextDecoder().decode(implSend(s, i, j).bytes)
    expect(last(hello, 10)).toBe(9)
    expect(text(hello, 10)).toBe("")
    expect(last(new Uint8Array(0))).toBe(0)
    expect(last(hello, -3)).toBe(5)
    expect(text(hello, -3)).toBe("llo")
    expect(last(hello, 2, -2)).toBe(4)
    expect(text(hello, 2, -2)).toBe("ell")
    expect(last(hello, 0)).toBe(5)
    expect(last(hello, -100, 2)).toBe(2)
    expect(last(hello, 3, 1)).toBe(2)
    expect(last(hello, 2.7, 3.9)).toBe(3)
    expect(text(hello, 2.7, 3.9)).toBe("el")
    expect(last(hello, -1.5)).toBe(5)
    expect(last(hello, 1, -1.5)).toBe(5)
    expect(last(hello, -0.5, 2)).toBe(2)
    expect(last(hello, 1, 100)).toBe(5)
    expect(last(hello, 1, 0)).toBe(0)
    expect(last(hello, -5, -5)).toBe(1)
    expect(last(hello, -6, -6)).toBe(0)
  })
})
