/**
 * Bad input into every argument of every function and method of every facade: each call
 * gives a result (Lua-style, possibly a failure tuple) or a Lua error (`LuaRaise`, naming
 * the bad argument when it is about one) — never an internal TypeError, never a crash, never
 * a leaked descriptor. Host-like arguments are drawn from a loopback-only pool (no name
 * resolution leaves the machine); everything else is `fc.anything()` and friends.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { facades } from "../../src/facade/all.js"
import { indexOf, invoke } from "../../src/facade/derive.js"
import { LuaTryError } from "../../src/facade/luasocketExtras.js"
import { binaryStrings, type Env, FacadeObject, type Fn, LuaRaise } from "../../src/facade/spec.js"
import { fdCount } from "../support.js"

const hostParams = /^(address|host|ip|addr|name|locaddr|peer|multiaddr|interface)$/i

/** Hosts that never leave the machine: loopback, wildcard, unix paths, numeric nonsense. */
const hostArb = fc.constantFrom<unknown>(
  "127.0.0.1", "::1", "*", "", "0.0.0.0", "256.1.1.1", "::ffff:127.0.0.1", "/tmp/effect-luasocket-badinput.sock", "@effect-luasocket-bad",
  "1.2.3", "[::1]", "localhost", undefined, null, 7, -1, true, {}, [], "127.0.0.1\u0000x"
)

const valueArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything({ maxDepth: 2 }),
  fc.constantFrom(NaN, Infinity, -Infinity, -1, 0, 1, 2 ** 31, 2 ** 53, -(2 ** 53), 1e300, -0, 0.5, 65536, 65535),
  fc.constantFrom("*l", "*a", "*line", "l", "a", "b", "t", "r", "both", "send", "receive", "tcp", "udp", "mcast", "inet", "inet6", "unix", "stream", "dgram", "socket", "tcp-nodelay", "keepalive", "linger", "reuseaddr", "error", "broadcast"),
  fc.string({ maxLength: 8 }),
  fc.uint8Array({ maxLength: 16 }),
  fc.constant(undefined)
)

interface Case {
  readonly facade: number
  readonly entry: number
  readonly self: number
  readonly args: ReadonlyArray<unknown>
}

const tracked: Array<FacadeObject> = []
const env: Env = { codec: binaryStrings, adopt: (o) => void tracked.push(o) }

/** Every entry except those that would wait on purpose or sleep for what they are given. */
const entriesOf = (i: number): Array<Fn<any>> => {
  const index = indexOf(facades[i]!.spec)
  const all = [...index.functions.values(), ...[...index.methods.values()].flatMap((t) => [...t.values()])]
  return [...new Set(all)].filter((f) => f.name !== "sleep" && f.name !== "skip" && !f.luaNative)
}

const settleWithin = async (value: unknown, ms: number): Promise<unknown> => {
  if (!(value instanceof Promise)) return value
  let timer: NodeJS.Timeout | undefined
  const pending = Symbol("pending")
  const r = await Promise.race([value.catch((e) => ({ thrown: e })), new Promise((resolve) => (timer = setTimeout(() => resolve(pending), ms)))])
  clearTimeout(timer)
  return r === pending ? "pending" : r
}

const acceptable = (e: unknown): boolean => {
  if (e instanceof LuaTryError) return true
  if (!(e instanceof LuaRaise)) return false
  if (e.arg === undefined) return e.message.length > 0
  return /^(bad argument #\d+ to '[^']+' \(.+\)|calling '[^']+' on bad self \(.+\))$/s.test(e.message)
}

let tried = 0
const outcomes = { results: 0, failures: 0, raises: 0, pending: 0 }
afterAll(() => {
  console.log(`bad input: ${tried} calls tried over ${facades.length} facades: ${JSON.stringify(outcomes)}`)
})

describe("bad input into every facade function", () => {
  it("results or Lua errors naming the argument; no internal errors; no descriptor leak", async () => {
    const before = fdCount()
    const entries = facades.map((_, i) => entriesOf(i))
    const arb = fc.integer({ min: 0, max: facades.length - 1 }).chain((f) =>
      fc.record({
        facade: fc.constant(f),
        entry: fc.integer({ min: 0, max: entries[f]!.length - 1 }),
        self: fc.integer({ min: 0, max: 20 }),
        args: fc.array(valueArb, { maxLength: 5 })
      })
    )
    await fc.assert(
      fc.asyncProperty(arb, async (c: Case) => {
        const spec = facades[c.facade]!.spec
        const index = indexOf(spec)
        const fn = entries[c.facade]![c.entry]!
        // host-like parameters come from the loopback pool
        const args = c.args.map((a, k) => (fn.params[k] !== undefined && hostParams.test(fn.params[k]!.name) ? fc.sample(hostArb, { seed: c.self + k, numRuns: 1 })[0] : a))
        // self: an object of this facade made by one of its constructors, or a wrong value
        let self: unknown = undefined
        if (fn.self !== undefined) {
          const makers = [...index.functions.values()].filter((f) => f.params.length === 0 && f.returns.some((r) => index.typeOfClass.has(r.type)))
          const maker = makers[c.self % Math.max(1, makers.length)]
          if (maker !== undefined && c.self < 16) {
            const made = await settleWithin(invoke(index, maker, undefined, [], env), 1000)
            self = Array.isArray(made) ? made[0] : undefined
          } else self = [undefined, 1, "x", {}, new Uint8Array(1)][c.self % 5]
        }
        tried++
        try {
          const r = await settleWithin(invoke(index, fn, self, args, env), 300)
          if (r === "pending") outcomes.pending++
          else if (typeof r === "object" && r !== null && "thrown" in r) {
            const e = (r as { thrown: unknown }).thrown
            if (!acceptable(e)) throw new Error(`${spec.name}.${fn.name}(${String(args.length)} args) rejected with ${String(e)}`, { cause: e })
            outcomes.raises++
          } else if (!Array.isArray(r)) {
            throw new Error(`${spec.name}.${fn.name} returned a non-array: ${String(r)}`)
          } else if (r[0] === undefined || r[0] === false) outcomes.failures++
          else outcomes.results++
        } catch (e) {
          if (!acceptable(e)) throw e
          outcomes.raises++
        } finally {
          for (const o of tracked.splice(0)) o.dispose()
        }
      }),
      { numRuns: 4000, interruptAfterTimeLimit: 45_000 }
    )
    for (const o of tracked.splice(0)) o.dispose()
    await new Promise((r) => setTimeout(r, 200))
    expect(fdCount()).toBeLessThanOrEqual(before + 2)
    expect(tried).toBeGreaterThan(200)
  }, 90_000)
})
