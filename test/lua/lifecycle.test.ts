/**
 * Several scripts at once, interruption, cleanups and crashes: every run ends with its worker
 * gone and its hosts' onExit cleanups done, whatever way it ends.
 */
import { Effect, Exit, Fiber } from "effect"
import { beforeAll, describe, expect, it } from "vitest"
import { type HostContext, type HostFunction, liveWorkerCount, LuaRuntimeError, run, runSource } from "../../src/lua/index.js"
import { ensureBuilt, later, lua, text } from "./support.js"

beforeAll(ensureBuilt, 120_000)

const ports = (): number => process.getActiveResourcesInfo().filter((r) => r === "MessagePort").length

/** The port count once the ports of earlier tests' workers have closed (they close asynchronously). */
const settledPorts = async (): Promise<number> => {
  let n = ports()
  for (let i = 0, same = 0; i < 300 && same < 10; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10))
    const m = ports()
    same = m === n ? same + 1 : 0
    n = m
  }
  return n
}

/** Resolves when `n` calls have been seen. */
const signal = () => {
  let fire!: () => void
  const fired = new Promise<void>((resolve) => (fire = resolve))
  return { fire, fired }
}

describe("several scripts in one process", () => {
  it("one script blocked in a long host call does not stop another's calls", async () => {
    const log: Array<string> = []
    const holding = signal()
    const released = signal()
    const a = lua(`print(require("luasock.host").hold())`, {
      hosts: {
        hold: async () => {
          log.push("A holds")
          holding.fire()
          await released.fired
          log.push("A released")
          return ["A done"]
        }
      }
    })
    const b = lua(
      `local h = require "luasock.host"
      h.whenHolding()
      local sum = 0
      for i = 1, 20 do sum = sum + h.tick(i) end
      h.release()
      print(sum)`,
      {
        hosts: {
          whenHolding: () => holding.fired.then(() => []),
          tick: (args) => new Promise((resolve) => setTimeout(() => (log.push("B tick"), resolve(args)), 1)),
          release: () => (released.fire(), [])
        }
      }
    )
    const [ra, rb] = await Promise.all([a, b])
    expect([ra.out, rb.out]).toEqual(["A done\n", "210.0\n"])
    expect(log).toEqual(["A holds", ...Array<string>(20).fill("B tick"), "A released"])
  })

  it("a producer and a consumer script talking through a rendezvous channel of host functions", async () => {
    // send blocks its script until the other script has taken the message: neither can run
    // to completion alone, so they only finish if their calls really interleave
    const offers: Array<{ value: Uint8Array | undefined; taken: () => void }> = []
    const takers: Array<(v: Uint8Array | undefined) => void> = []
    const order: Array<string> = []
    const hosts: Record<string, HostFunction> = {
      send: (args) =>
        new Promise((resolve) => {
          order.push("send")
          const value = args[0] as Uint8Array | undefined
          const taker = takers.shift()
          if (taker) {
            taker(value)
            resolve([])
          } else offers.push({ value, taken: () => resolve([]) })
        }),
      recv: () =>
        new Promise((resolve) => {
          order.push("recv")
          const offer = offers.shift()
          if (offer) {
            offer.taken()
            resolve([offer.value])
          } else takers.push((v) => resolve([v]))
        })
    }
    const [producer, consumer] = await Promise.all([
      lua(`local h = require "luasock.host" for i = 1, 5 do h.send("msg " .. i) end h.send(nil)`, { hosts }),
      lua(`local h = require "luasock.host" while true do local m = h.recv() if not m then break end print(m) end`, { hosts })
    ])
    expect(producer.exitCode).toBe(0)
    expect(consumer.out).toBe("msg 1\nmsg 2\nmsg 3\nmsg 4\nmsg 5\n")
    expect(order.filter((o) => o === "send")).toHaveLength(6)
    expect(order.filter((o) => o === "recv")).toHaveLength(6)
  })

  it("each script has its own HostContext state", async () => {
    const seen: Array<number> = []
    const count: HostFunction = (_args, ctx) => {
      const n = ((ctx.state.get("n") as number | undefined) ?? 0) + 1
      ctx.state.set("n", n)
      seen.push(ctx.scriptId)
      return [BigInt(n)]
    }
    const src = `local h = require "luasock.host" local n for i = 1, 3 do n = h.count() end print(n)`
    const [x, y] = await Promise.all([lua(src, { hosts: { count } }), lua(src, { hosts: { count } })])
    expect([x.out, y.out]).toEqual(["3\n", "3\n"])
    expect(new Set(seen).size).toBe(2)
  })
})

describe("cleanups", () => {
  const withCleanups = (log: Array<string>): HostFunction => (_args, ctx: HostContext) => {
    ctx.signal.addEventListener("abort", () => log.push("signal"))
    ctx.onExit(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20))
      log.push("first registered")
    })
    ctx.onExit(() => void log.push("second registered"))
    return []
  }

  for (
    const [how, source, code] of [
      ["returns", `require("luasock.host").reg()`, 0],
      ["errors", `require("luasock.host").reg() error("x")`, 1],
      ["calls os.exit", `require("luasock.host").reg() os.exit(4)`, 4]
    ] as const
  ) {
    it(`run in reverse order, after the abort signal, before the result settles, when the script ${how}`, async () => {
      const log: Array<string> = []
      const r = await lua(source, { hosts: { reg: withCleanups(log) } })
      expect(r.exitCode).toBe(code)
      expect(log).toEqual(["signal", "second registered", "first registered"])
    })
  }

  it("a failing cleanup is reported and the others still run", async () => {
    const log: Array<string> = []
    const reported: Array<string> = []
    const r = await lua(`require("luasock.host").reg()`, {
      hosts: {
        reg: (_a, ctx) => {
          ctx.onExit(() => void log.push("ran"))
          ctx.onExit(() => {
            throw new Error("cleanup failed")
          })
          return []
        }
      },
      onHostError: (e, name) => reported.push(`${name}: ${(e as Error).message}`)
    })
    expect(r.exitCode).toBe(0)
    expect(log).toEqual(["ran"])
    expect(reported).toEqual(["onExit: cleanup failed"])
  })
})

describe("interruption", () => {
  it("interrupting the Effect terminates a worker blocked in a host call and runs onExit", async () => {
    const workers = liveWorkerCount()
    const portsBefore = await settledPorts()
    const started = signal()
    const log: Array<string> = []
    const fiber = Effect.runFork(
      run({ source: `require("luasock.host").block() print("never")` }, {
        output: "capture",
        hosts: {
          block: (_a, ctx) => {
            ctx.onExit(() => void log.push("cleanup"))
            ctx.signal.addEventListener("abort", () => log.push("aborted"))
            started.fire()
            return new Promise(() => {})
          }
        }
      })
    )
    await started.fired
    expect(liveWorkerCount()).toBe(workers + 1)
    const exit = await Effect.runPromise(Fiber.interrupt(fiber))
    expect(Exit.isInterrupted(exit)).toBe(true)
    expect(log).toEqual(["aborted", "cleanup"])
    expect(liveWorkerCount()).toBe(workers)
    // the worker's message ports close asynchronously: allow a loaded machine some time
    for (let i = 0; i < 200 && ports() !== portsBefore; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    expect(ports()).toBe(portsBefore)
  })

  it("interrupting a script in an endless Lua loop (no host call) terminates it", async () => {
    const workers = liveWorkerCount()
    const started = signal()
    const fiber = Effect.runFork(
      run({ source: `require("luasock.host").started() while true do end` }, {
        output: "capture",
        hosts: { started: () => (started.fire(), []) }
      })
    )
    await started.fired
    await new Promise((resolve) => setTimeout(resolve, 20))
    await Effect.runPromise(Fiber.interrupt(fiber))
    expect(liveWorkerCount()).toBe(workers)
  })

  it("the Effect succeeds with the RunResult", async () => {
    const r = await Effect.runPromise(run({ source: `print("hi") os.exit(2)` }, { output: "capture" }))
    expect({ code: r.exitCode, out: text(r.stdout) }).toEqual({ code: 2, out: "hi\n" })
  })

  it("the Promise API: an AbortSignal kills the script, the promise rejects with Interrupted", async () => {
    const workers = liveWorkerCount()
    const controller = new AbortController()
    const log: Array<string> = []
    const p = runSource(`require("luasock.host").block()`, {
      output: "capture",
      signal: controller.signal,
      hosts: {
        block: (_a, ctx) => {
          ctx.onExit(() => void log.push("cleanup"))
          setTimeout(() => controller.abort(), 5)
          return new Promise(() => {})
        }
      }
    })
    await expect(p).rejects.toMatchObject({ _tag: "LuaRuntimeError", reason: "Interrupted" })
    expect(log).toEqual(["cleanup"])
    expect(liveWorkerCount()).toBe(workers)
  })

  it("a pending async host call answered after the end is dropped", async () => {
    let answer!: () => void
    const controller = new AbortController()
    const p = runSource(`require("luasock.host").slow()`, {
      output: "capture",
      signal: controller.signal,
      hosts: {
        slow: () =>
          new Promise((resolve) => {
            answer = () => resolve(["late"])
            controller.abort()
          })
      }
    })
    await expect(p).rejects.toBeInstanceOf(LuaRuntimeError)
    answer()
    await new Promise((resolve) => setTimeout(resolve, 10))
  })
})

describe("crashes", () => {
  it("a worker that dies (JS heap exhausted) gives exit 1 and a message, runs cleanups, never hangs", async () => {
    const workers = liveWorkerCount()
    const log: Array<string> = []
    const r = await lua(
      `require("luasock.host").reg()
      local t = {} for i = 1, 500000 do t[i] = i end
      for k = 1, 100 do print(table.unpack(t)) end`,
      {
        resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
        hosts: { reg: (_a, ctx) => (ctx.onExit(() => void log.push("cleanup")), []) }
      }
    )
    expect(r.exitCode).toBe(1)
    expect(r.err).toMatch(/^luasock: the Lua worker crashed: .+\n$/)
    expect(log).toEqual(["cleanup"])
    expect(liveWorkerCount()).toBe(workers)
  })

  it("running out of Lua stack space is an ordinary Lua error", async () => {
    const r = await lua(`local t = setmetatable({}, {}) getmetatable(t).__index = function(t, k) return t[k] end print(t.x)`)
    expect(r.exitCode).toBe(1)
    expect(r.err.split("\n")[0]).toBe("luasock: (source):1: C stack overflow")
  })

  it("bad options are rejected before a worker starts", async () => {
    await expect(runSource("", { hosts: { call: () => [] } })).rejects.toMatchObject({ reason: "InvalidOptions" })
    await expect(runSource("", { sharedBytes: 1 })).rejects.toMatchObject({ reason: "InvalidOptions" })
  })

  it("later() really waits", async () => {
    const t0 = Date.now()
    const r = await lua(`local h = require "luasock.host" for i = 1, 5 do h.later() end`, { hosts: { later: later(10) } })
    expect(r.exitCode).toBe(0)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(50)
  })
})
