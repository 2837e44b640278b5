/**
 * Micro-benchmark of the Lua host-call bridge (src/lua). Not a test: nothing is asserted.
 *
 *   npm run build
 *   node dist/bench/lua-bridge.js [calls]     time per host call round trip, by case
 *   node dist/bench/lua-bridge.js raw [calls] only the raw transports (no Lua)
 *   node dist/bench/lua-bridge.js w2 [n]      W2-shaped request/response vs C LuaSocket
 *
 * Default mode: a Lua loop in the worker calls a host function `calls` times (os.clock is
 * wall time under emscripten); median of 3 runs, ns per call, for
 *  - a synchronous host function (the fast path: answered in the same main-thread turn),
 *  - an async one (a promise resolved on the next microtask),
 *  - the reply over the port instead of the shared area (`sharedBytes` tiny),
 *  - several `spinMicros` settings, 32-byte and 64 KiB string payloads,
 *  - a Lua loop calling a Lua function (the floor),
 * then the raw transports without Lua (a JS loop in a worker), for the design choice:
 *  pm+sab  = request rung by postMessage, reply in the SharedArrayBuffer + Atomics.notify (used)
 *  pm+pm   = request and reply by postMessage, reply pulled with receiveMessageOnPort
 *  sab+sab = request in the SharedArrayBuffer, main thread woken by Atomics.waitAsync
 * each without and with a 50 us spin before Atomics.wait.
 *
 * `w2` mode: 32-byte ping / pong lines over loopback TCP (TCP_NODELAY) against the shared
 * benchmark's C LuaSocket server (`../shared/bench/lua/server.lua`, or $LUA_BENCH_DIR), once
 * with its C LuaSocket client under lua5.4 and once with a Lua client under luasock calling a
 * minimal host (connect / send / receive-line on node:net: the bridge's cost, not the socket
 * facade's). Skipped when lua5.4 + lua-socket are missing.
 */
import { spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { isMainThread, MessageChannel, type MessagePort, parentPort, receiveMessageOnPort, Worker, workerData } from "node:worker_threads"
import type { HostFunction } from "../src/lua/Host.js"
import { runSource } from "../src/lua/runtime.js"

const median = (xs: ReadonlyArray<number>): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const here = fileURLToPath(import.meta.url)

// ---- raw transports (worker side) ------------------------------------------------------

interface RawInput {
  readonly mode: "pm+sab" | "pm+pm" | "sab+sab"
  readonly spinMicros: number
  readonly n: number
  readonly sab: SharedArrayBuffer
  readonly port: MessagePort
}

const rawWorker = (input: RawInput): void => {
  const { mode, n, port } = input
  const i32 = new Int32Array(input.sab)
  const spinMs = input.spinMicros / 1000
  const call = (v: number): number => {
    Atomics.store(i32, 0, 0)
    if (mode === "sab+sab") {
      i32[3] = v
      Atomics.store(i32, 1, 1)
      Atomics.notify(i32, 1)
    } else port.postMessage(v)
    if (spinMs > 0) {
      const until = performance.now() + spinMs
      spin: for (;;) {
        for (let k = 0; k < 128; k++) if (Atomics.load(i32, 0) !== 0) break spin
        if (performance.now() > until) break
      }
    }
    while (Atomics.load(i32, 0) === 0) Atomics.wait(i32, 0, 0)
    if (mode !== "pm+pm") return i32[2]!
    let m = receiveMessageOnPort(port)
    while (m === undefined) m = receiveMessageOnPort(port)
    return m.message as number
  }
  for (let k = 0; k < 1000; k++) call(k)
  const t0 = performance.now()
  for (let k = 0; k < n; k++) if (call(k) !== k + 1) throw new Error("bad reply")
  const ns = ((performance.now() - t0) / n) * 1e6
  if (mode === "sab+sab") {
    i32[3] = -1
    Atomics.store(i32, 1, 1)
    Atomics.notify(i32, 1)
  }
  parentPort!.postMessage(ns)
}

/** Node 20 has Atomics.waitAsync; lib ES2022 does not declare it. */
type WaitAsync = (a: Int32Array, index: number, value: number) => { async: false; value: string } | { async: true; value: Promise<string> }

const rawCase = async (mode: RawInput["mode"], spinMicros: number, n: number): Promise<number> => {
  const sab = new SharedArrayBuffer(64)
  const i32 = new Int32Array(sab)
  const { port1, port2 } = new MessageChannel()
  const answer = (v: number): void => {
    if (mode === "pm+pm") port1.postMessage(v)
    else i32[2] = v
    Atomics.store(i32, 0, 1)
    Atomics.notify(i32, 0)
  }
  let stop = false
  if (mode === "sab+sab") {
    const loop = (): void => {
      const r = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync(i32, 1, 0)
      const go = (): void => {
        Atomics.store(i32, 1, 0)
        const v = i32[3]!
        if (v < 0 || stop) return
        answer(v + 1)
        loop()
      }
      if (r.async) void r.value.then(go)
      else go()
    }
    loop()
  } else port1.on("message", (v: number) => answer(v + 1))
  const w = new Worker(here, { workerData: { raw: { mode, spinMicros, n, sab, port: port2 } }, transferList: [port2] })
  const ns = await new Promise<number>((resolve, reject) => {
    w.once("message", resolve)
    w.once("error", reject)
  })
  stop = true
  port1.close()
  await w.terminate()
  return ns
}

// ---- the bridge ------------------------------------------------------------------------

const hosts: Record<string, HostFunction> = {
  nop: () => [],
  echo: (args) => args,
  nopAsync: () => Promise.resolve([]),
  echoAsync: (args) => Promise.resolve(args)
}

const loopScript = (fn: string, payload: number, calls: number): string => `
local host = require "luasock.host"
local f = ${fn === "lua" ? "function(...) return ... end" : `host["${fn}"]`}
local s = string.rep("x", ${payload})
for i = 1, 500 do f(s) end
local t0 = os.clock()
for i = 1, ${calls} do f(s) end
io.write(string.format("%.0f", (os.clock() - t0) / ${calls} * 1e9))
`

interface Case {
  readonly name: string
  readonly fn: string
  readonly payload: number
  readonly spinMicros: number
  readonly sharedBytes?: number
}

const cases: ReadonlyArray<Case> = [
  { name: "lua function (floor)", fn: "lua", payload: 32, spinMicros: 50 },
  { name: "sync nop, spin 50us", fn: "nop", payload: 32, spinMicros: 50 },
  { name: "sync echo 32 B, spin 50us", fn: "echo", payload: 32, spinMicros: 50 },
  { name: "sync echo 32 B, spin 0", fn: "echo", payload: 32, spinMicros: 0 },
  { name: "sync echo 32 B, spin 20us", fn: "echo", payload: 32, spinMicros: 20 },
  { name: "sync echo 32 B, spin 200us", fn: "echo", payload: 32, spinMicros: 200 },
  { name: "sync echo 32 B, reply via port", fn: "echo", payload: 32, spinMicros: 50, sharedBytes: 64 },
  { name: "sync echo 64 KiB, spin 50us", fn: "echo", payload: 65536, spinMicros: 50 },
  { name: "async nop, spin 50us", fn: "nopAsync", payload: 32, spinMicros: 50 },
  { name: "async echo 32 B, spin 50us", fn: "echoAsync", payload: 32, spinMicros: 50 },
  { name: "async echo 32 B, spin 0", fn: "echoAsync", payload: 32, spinMicros: 0 }
]

const micro = async (calls: number): Promise<void> => {
  console.log(`host call round trip, ${calls} calls per run, median of 3 (ns per call)`)
  for (const c of cases) {
    const runs: Array<number> = []
    for (let k = 0; k < 3; k++) {
      const r = await runSource(loopScript(c.fn, c.payload, c.payload > 1024 ? Math.ceil(calls / 10) : calls), {
        hosts,
        output: "capture",
        spinMicros: c.spinMicros,
        ...(c.sharedBytes !== undefined ? { sharedBytes: c.sharedBytes } : {})
      })
      if (r.exitCode !== 0) throw new Error(`${c.name}: ${new TextDecoder().decode(r.stderr)}`)
      runs.push(Number(new TextDecoder().decode(r.stdout)))
    }
    console.log(`  ${c.name.padEnd(34)} ${String(median(runs)).padStart(8)}   (runs: ${runs.join(", ")})`)
  }
  await raw(calls)
}

const raw = async (calls: number): Promise<void> => {
  console.log(`raw transports without Lua, ${calls} calls, median of 3 (ns per call)`)
  for (const mode of ["pm+sab", "pm+pm", "sab+sab"] as const) {
    for (const spin of [0, 50]) {
      const runs: Array<number> = []
      for (let k = 0; k < 3; k++) runs.push(Math.round(await rawCase(mode, spin, calls)))
      console.log(`  ${`${mode}, spin ${spin}us`.padEnd(34)} ${String(median(runs)).padStart(8)}   (runs: ${runs.join(", ")})`)
    }
  }
}

// ---- W2 --------------------------------------------------------------------------------

/** A minimal TCP host: just enough for a W2 client (not the socket facade). */
const tcpHosts = (): Record<string, HostFunction> => {
  const sockets: Array<{ socket: net.Socket; buffer: Buffer; waiting: ((line: Buffer) => void) | undefined }> = []
  const takeLine = (s: (typeof sockets)[number]): Buffer | undefined => {
    const nl = s.buffer.indexOf(10)
    if (nl < 0) return undefined
    const line = s.buffer.subarray(0, nl)
    s.buffer = s.buffer.subarray(nl + 1)
    return line
  }
  return {
    connect: (args) =>
      new Promise((resolve, reject) => {
        const socket = net.connect({ host: new TextDecoder().decode(args[0] as Uint8Array), port: Number(args[1]), noDelay: true })
        const s = { socket, buffer: Buffer.alloc(0), waiting: undefined as ((line: Buffer) => void) | undefined }
        socket.on("data", (d) => {
          s.buffer = s.buffer.length === 0 ? d : Buffer.concat([s.buffer, d])
          if (s.waiting !== undefined) {
            const line = takeLine(s)
            if (line !== undefined) {
              const w = s.waiting
              s.waiting = undefined
              w(line)
            }
          }
        })
        socket.once("connect", () => resolve([BigInt(sockets.push(s) - 1)]))
        socket.once("error", reject)
      }),
    send: (args) => {
      const s = sockets[Number(args[0])]!
      const data = args[1] as Uint8Array
      s.socket.write(data)
      return [BigInt(data.length)]
    },
    receiveLine: (args) => {
      const s = sockets[Number(args[0])]!
      const line = takeLine(s)
      if (line !== undefined) return [line]
      return new Promise((resolve) => (s.waiting = (l) => resolve([l])))
    },
    close: (args) => {
      sockets[Number(args[0])]!.socket.destroy()
      return []
    }
  }
}

const w2Script = `
local h = require "luasock.host"
local host, port, n = ...
n = tonumber(n)
local c = h.connect(host, tonumber(port))
local msg = "ping " .. string.rep("x", 26) .. "\\n"
local clock = os.clock -- wall time with 1 ms resolution under emscripten: no percentiles
local t0 = clock()
for i = 1, n do
  h.send(c, msg)
  assert(h.receiveLine(c), "connection lost")
end
local dt = clock() - t0
h.close(c)
io.write(string.format('{"rt_s":%.0f}', n / dt))
`

/** Internal: `w2-client port n spin` runs the luasock client in this process. */
const w2Client = async (port: string, n: string, spin: string): Promise<void> => {
  const r = await runSource(w2Script, {
    hosts: tcpHosts(),
    args: ["127.0.0.1", port, n],
    output: "capture",
    ...(spin === "auto" ? {} : { spinMicros: Number(spin) })
  })
  process.stdout.write(r.exitCode === 0 ? new TextDecoder().decode(r.stdout) : `{"error":${JSON.stringify(new TextDecoder().decode(r.stderr))}}`)
}

const startServer = (benchDir: string, n: number, pin: Array<string>): Promise<{ port: string; done: Promise<void> }> =>
  new Promise((resolve, reject) => {
    const p = spawn(pin[0] ?? "lua5.4", [...pin.slice(1), ...(pin.length > 0 ? ["lua5.4"] : []), path.join(benchDir, "server.lua"), "w2", "127.0.0.1", String(n)], {
      stdio: ["ignore", "pipe", "inherit"]
    })
    let out = ""
    const done = new Promise<void>((r) => p.once("exit", () => r()))
    p.stdout.on("data", (d: Buffer) => {
      out += d.toString()
      const m = /PORT (\d+)/.exec(out)
      if (m) resolve({ port: m[1]!, done })
    })
    p.once("error", reject)
  })

const w2 = async (n: number): Promise<void> => {
  const benchDir = process.env["LUA_BENCH_DIR"] ?? path.resolve(path.dirname(here), "../../../shared/bench/lua")
  if (!fs.existsSync(path.join(benchDir, "server.lua")) || spawnSync("lua5.4", ["-e", "require 'socket'"]).status !== 0) {
    console.log(`w2: skipped (needs lua5.4 + lua-socket and ${benchDir}/server.lua; set LUA_BENCH_DIR)`)
    return
  }
  const pinned = spawnSync("taskset", ["-c", "0", "true"]).status === 0
  const serverPin = pinned ? ["taskset", "-c", "0"] : []
  const clientPin = pinned ? ["taskset", "-c", "1"] : []
  console.log(`W2: ${n} ping/pong round trips against the C LuaSocket server${pinned ? " (on CPU 0)" : ""}, median of 3 runs`)
  const luasock = (spin: string, pin: ReadonlyArray<string>) => (port: string) => [...pin, process.execPath, here, "w2-client", port, String(n), spin]
  const c = (pin: ReadonlyArray<string>) => (port: string) => [...pin, "lua5.4", path.join(benchDir, "client.lua"), "w2", "127.0.0.1", port, String(n)]
  const clients: ReadonlyArray<[string, (port: string) => Array<string>]> = [
    ["lua5.4 + C LuaSocket, client on CPU 1", c(clientPin)],
    ["luasock, client on CPU 1 (auto: spin 0)", luasock("auto", clientPin)],
    ["luasock, client on CPU 1, spin 20us", luasock("20", clientPin)],
    ["lua5.4 + C LuaSocket, client unpinned", c([])],
    ["luasock, client unpinned (auto: spin 50)", luasock("auto", [])],
    ["luasock, client unpinned, spin 0", luasock("0", [])],
    ["luasock, client unpinned, spin 20us", luasock("20", [])],
    ["luasock, client unpinned, spin 200us", luasock("200", [])]
  ]
  for (const [name, argv] of clients) {
    const runs: Array<{ rt_s: number; p50_us?: number; p99_us?: number }> = []
    for (let k = 0; k < 3; k++) {
      const server = await startServer(benchDir, n, serverPin)
      const p = spawnSync(argv(server.port)[0]!, argv(server.port).slice(1), { encoding: "utf8", timeout: 120_000 })
      await server.done
      const json = JSON.parse(p.stdout.trim().split("\n").pop() ?? "{}") as { rt_s: number; p50_us?: number; p99_us?: number; error?: string }
      if (json.error !== undefined || !(json.rt_s > 0)) throw new Error(`${name}: ${p.stdout} ${p.stderr}`)
      runs.push(json)
    }
    const rt = median(runs.map((r) => r.rt_s))
    const p50 = runs[0]!.p50_us !== undefined ? `   p50 ${median(runs.map((r) => r.p50_us!)).toFixed(0)} us` : ""
    console.log(`  ${name.padEnd(38)} ${String(Math.round(rt)).padStart(7)} rt/s${p50}   (runs: ${runs.map((r) => Math.round(r.rt_s)).join(", ")})`)
  }
}

// ---- entry -----------------------------------------------------------------------------

if (!isMainThread) {
  rawWorker((workerData as { raw: RawInput }).raw)
} else {
  const [mode, ...rest] = process.argv.slice(2)
  if (mode === "w2") await w2(Number(rest[0] ?? 20000))
  else if (mode === "w2-client") await w2Client(rest[0]!, rest[1]!, rest[2]!)
  else if (mode === "raw") await raw(Number(rest[0] ?? 20000))
  else await micro(Number(mode ?? 20000))
}
