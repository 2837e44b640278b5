/** Helpers shared by the facade tests of lsocket and nixio: raised Lua errors, test data, loopback probes. */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { expect } from "@effect/vitest"
import { Effect } from "effect"
import { LuaRaise } from "../../src/facade/spec.js"
import { fdCount, settledFdCount } from "../support.js"

/** All 256 byte values as a binary string. */
export const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString("latin1")

/** Whether this machine has the IPv6 loopback address. */
export const hasIPv6Loopback = Object.values(os.networkInterfaces()).some((list) => (list ?? []).some((i) => i.address === "::1"))

/** Fresh unix socket paths in a temporary directory. */
export const unixPaths = (prefix: string): (() => string) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  let n = 0
  return () => path.join(dir, `s${++n}.sock`)
}

/** The message of the `LuaRaise` that `f` throws at once (fails the test otherwise). */
export const raised = (f: () => unknown): string => {
  try {
    const r = f()
    if (r instanceof Promise) throw new Error("expected a synchronous raise")
  } catch (e) {
    expect(e).toBeInstanceOf(LuaRaise)
    return (e as Error).message
  }
  throw new Error("expected a raise")
}

/** The message of the `LuaRaise` a Promise rejects with (fails the test otherwise). */
export const raisedAsync = async (p: unknown): Promise<string> => {
  try {
    await p
  } catch (e) {
    expect(e).toBeInstanceOf(LuaRaise)
    return (e as Error).message
  }
  throw new Error("expected a raise")
}

/**
 * Checks that sockets leave no descriptor behind: `open` opens some (at least `opened`
 * descriptors more than before) and returns them; after closing them all, the settled
 * descriptor count is back to where it was. Run with `it.live` (real clock).
 */
export const leavesNoDescriptor = (open: () => Promise<ReadonlyArray<{ close(): unknown }>>, opened: number) =>
  Effect.gen(function*() {
    const baseline = yield* settledFdCount(Effect.void, 2000)
    yield* Effect.promise(async () => {
      const all = await open()
      expect(fdCount()).toBeGreaterThan(baseline + opened)
      for (const s of all) s.close()
    })
    expect(yield* settledFdCount(Effect.void, 3000)).toBeLessThanOrEqual(baseline)
  })
