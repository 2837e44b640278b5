/**
 * The main thread's half of the value encoding (see protocol.ts): wire bytes -> JS arguments,
 * JS results -> wire bytes. The worker's half reads and writes the Lua stack directly
 * (luaState.ts).
 *
 * @since 0.1.0
 */
import type { LuaValue } from "./Host.js"
import { MaxDepth, Reader, Tag, type Writer } from "./protocol.js"

const utf8 = new TextDecoder()
const MinInt = -(2n ** 63n)
const MaxInt = 2n ** 63n - 1n

/** A host function's result that cannot cross the bridge (a host bug). */
export class UnsupportedValue extends Error {
  override readonly name = "UnsupportedValue"
}

// ---- wire -> JS ----------------------------------------------------------------------

const integer = (v: bigint): number | bigint => {
  const n = Number(v)
  return Number.isSafeInteger(n) ? n : v
}

type Scalar = undefined | boolean | number | bigint | Uint8Array

/** One value. Strings are copied out (the reader may be a view of the shared area). */
export const decodeValue = (r: Reader): LuaValue => {
  const tag = r.u8()
  switch (tag) {
    case Tag.Nil:
      return undefined
    case Tag.False:
      return false
    case Tag.True:
      return true
    case Tag.Float:
      return r.f64()
    case Tag.Int:
      return integer(r.i64())
    case Tag.Str: {
      const len = r.strLength()
      // a copy by set() (aligned, see Writer.str): slice() of a SharedArrayBuffer view is
      // slower; a large one into memory that is not zeroed first
      const s = len < 4096 ? new Uint8Array(len) : new Uint8Array(Buffer.allocUnsafeSlow(len).buffer, 0, len)
      s.set(r.buf.subarray(r.pos, r.pos + len))
      r.pos += len
      return s
    }
    case Tag.Pairs: {
      const n = r.u32()
      const keys: Array<Scalar> = new Array(n)
      const values: Array<LuaValue> = new Array(n)
      let sequence = true
      for (let i = 0; i < n; i++) {
        const k = decodeValue(r) as Scalar
        keys[i] = k
        values[i] = decodeValue(r)
        if (sequence && !(typeof k === "number" && Number.isInteger(k) && k >= 1 && k <= n)) sequence = false
      }
      if (sequence) {
        // keys are distinct integers in 1..n, so they are exactly 1..n
        const out: Array<LuaValue> = new Array(n)
        for (let i = 0; i < n; i++) out[(keys[i] as number) - 1] = values[i]
        return out
      }
      const out: Record<string, LuaValue> = Object.create(null)
      for (let i = 0; i < n; i++) out[keyString(keys[i])] = values[i]
      return out
    }
    default:
      throw new Error(`lua bridge: unknown value tag ${tag} (worker and main thread built from different sources?)`)
  }
}

const keyString = (k: Scalar): string => (k instanceof Uint8Array ? utf8.decode(k) : String(k))

/** `n` values as an array. */
export const decodeValues = (r: Reader, n: number): Array<LuaValue> => {
  const out: Array<LuaValue> = new Array(n)
  for (let i = 0; i < n; i++) out[i] = decodeValue(r)
  return out
}

// ---- JS -> wire ----------------------------------------------------------------------

const describe = (v: unknown): string =>
  v === null ? "null" : typeof v === "object" ? (v.constructor?.name ?? "object") : typeof v

/**
 * One value. Throws {@link UnsupportedValue} for what Lua cannot hold (functions, symbols,
 * class instances other than Uint8Array, cycles, nesting deeper than 32, out-of-range bigints).
 */
export const encodeValue = (w: Writer, v: unknown, depth: number, path: Set<object>): void => {
  switch (typeof v) {
    case "undefined":
      w.u8(Tag.Nil)
      return
    case "boolean":
      w.u8(v ? Tag.True : Tag.False)
      return
    case "number":
      w.u8(Tag.Float)
      w.f64(v)
      return
    case "bigint":
      if (v < MinInt || v > MaxInt) throw new UnsupportedValue(`bigint ${v} does not fit a Lua integer (64 bits)`)
      w.u8(Tag.Int)
      w.i64(v)
      return
    case "string":
      w.text(v)
      return
    case "object": {
      if (v === null) {
        w.u8(Tag.Nil)
        return
      }
      if (v instanceof Uint8Array) {
        w.str(v, 0, v.length)
        return
      }
      if (depth >= MaxDepth) throw new UnsupportedValue(`value nested deeper than ${MaxDepth} levels`)
      if (path.has(v)) throw new UnsupportedValue("cyclic value")
      if (Array.isArray(v)) {
        path.add(v)
        w.u8(Tag.Array)
        w.u32(v.length)
        for (let i = 0; i < v.length; i++) encodeValue(w, v[i], depth + 1, path)
        path.delete(v)
        return
      }
      const proto = Object.getPrototypeOf(v)
      if (proto === null || proto === Object.prototype) {
        path.add(v)
        const keys = Object.keys(v)
        w.u8(Tag.Record)
        w.u32(keys.length)
        for (const k of keys) {
          w.text(k)
          encodeValue(w, (v as Record<string, unknown>)[k], depth + 1, path)
        }
        path.delete(v)
        return
      }
      throw new UnsupportedValue(`a ${describe(v)} cannot be passed to Lua`)
    }
    default:
      throw new UnsupportedValue(`a ${typeof v} cannot be passed to Lua`)
  }
}

/** A reply's values. */
export const encodeValues = (w: Writer, values: ReadonlyArray<unknown>): void => {
  if (!Array.isArray(values)) throw new UnsupportedValue(`a host function must return an array of values, got ${describe(values)}`)
  w.u32(values.length)
  const path = new Set<object>()
  for (let i = 0; i < values.length; i++) encodeValue(w, values[i], 0, path)
}
