/**
 * Running Lua scripts: one worker thread per script (or the main thread, `thread: "main"`), the
 * main thread serving their host calls.
 *
 * Design (measured, see docs/lua.md): each script runs in its own `worker_threads` Worker holding
 * one Lua 5.4 state (wasmoon). A host call encodes its arguments into a SharedArrayBuffer,
 * rings the main thread (the request's length in a doorbell cell + `Atomics.notify`; the main
 * thread waits on it with `Atomics.waitAsync`), spins briefly (`spinMicros`), then sleeps in
 * `Atomics.wait`. The main thread decodes the call and
 * runs the host function; a synchronous result is written back and notified in the same turn,
 * a promise first sets the state to `Async` (the worker still spins out its budget: a reply
 * that comes soon, e.g. data already on its way, then costs no wake-up). Because the Lua
 * thread really blocks, host calls work in every Lua context, and one script blocked in a
 * long call never holds up another's.
 *
 * Measured on the 2-vCPU VM this was written on (`node dist/bench/lua-bridge.js`, figures and
 * ranges in docs/lua.md): a host call round trip costs 16-45 us, almost all of it the two
 * cross-thread wake-ups (an interrupt to a sleeping CPU is a VM exit here), ~2 us the encoding,
 * Lua and the host function; without Lua, with both threads busy, the same transport does
 * 1.5-6 us (a `postMessage` doorbell, used before: 5-6 us; on one CPU 23 us against 16). A 64 KiB string one way ~100 us. A W2-shaped
 * Lua client (two host calls per ping / pong, minimal TCP host) reaches ~0.6 of C LuaSocket's
 * round trips per second.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as os from "node:os"
import { MessageChannel, type MessagePort, receiveMessageOnPort, type ResourceLimits, Worker } from "node:worker_threads"
import { type HostContext, type HostFunction, type HostRegistry, LuaError, type LuaValue, registryEntries } from "./Host.js"
import { builtinLuaDir, workerUrl } from "./paths.js"
import { ABANDONED, createEngine, type DirectReply, type Engine, type EngineInput } from "./engine.js"
import { CallState, Ctl, Doorbell, Reader, Status, type WorkerInput, type WorkerMessage, Writer } from "./protocol.js"
import { decodeValues, encodeValues } from "./values.js"

/**
 * A script to run: a file (read by the worker; `arg[0]` and the chunk name are the path as
 * given, like `lua5.4 path`) or source text (`name` gives `arg[0]` and the chunk name
 * `@name`; without it they are `(source)` and `=(source)`).
 *
 * @since 0.1.0
 */
export type LuaScript =
  | { readonly file: string }
  | { readonly source: string | Uint8Array; readonly name?: string }

/** @since 0.1.0 */
export interface RunOptions {
  /** `arg[1..]` and the main chunk's `...`. */
  readonly args?: ReadonlyArray<string>
  /** Host functions for `require "luasock.host"`. */
  readonly hosts?: HostRegistry
  /** `arg[-1]` and the prefix of uncaught-error messages (`luasock: x.lua:1: boom`). Default "luasock". */
  readonly progName?: string
  /**
   * `"inherit"` (default): the script writes synchronously to this process's fd 1 and 2, in
   * order. `"capture"`: stdout and stderr are collected into `RunResult.stdout` / `.stderr`.
   */
  readonly output?: "inherit" | "capture"
  /** `io.read` / `io.lines` source: fd 0 (`"inherit"`, default), nothing, or these bytes. */
  readonly stdin?: "inherit" | "none" | Uint8Array
  /** What `os.getenv` sees (and LUA_PATH / LUA_PATH_5_4). Default: `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>
  /**
   * How long a worker spins on a host call before it sleeps in `Atomics.wait`, in
   * microseconds. A reply seen while spinning costs no thread wake-up (~10-40 us each way on a
   * VM). Default: `LUASOCK_SPIN` if set, else 50, or 0 when the process is confined to one CPU
   * (`os.availableParallelism()`).
   */
  readonly spinMicros?: number
  /** Size of the shared area for call messages; larger ones go over the port. Default 256 KiB. */
  readonly sharedBytes?: number
  /**
   * Called for host bugs: a host function threw something other than `LuaError`, returned
   * what Lua cannot hold, or an `onExit` cleanup failed. Default: a line on the script's stderr.
   */
  readonly onHostError?: (error: unknown, hostFunction: string) => void
  /** Directory of built-in Lua modules, searched by `require` before package.path. Default: the package's `lua/`. */
  readonly builtinDir?: string
  /**
   * Limits for the worker's JavaScript heap (Node's `resourceLimits`). The Lua heap lives in
   * WebAssembly memory, which these do not count; it cannot grow past 2 GiB (then Lua raises
   * "not enough memory").
   */
  readonly resourceLimits?: ResourceLimits
  /** Promise API only: aborting kills the script (the promise rejects with `Interrupted`). */
  readonly signal?: AbortSignal
  /**
   * Where the script runs. `"worker"` (default): a worker thread of its own that blocks on
   * every host call, so calls may wait in every Lua context, a busy script never holds up this
   * thread, and `kill` stops it at any point. `"main"`: this thread, as a coroutine that
   * yields to a driver while a host call waits: no thread is crossed (several times faster per
   * call; `luasock run`'s default). There `require`, `table.sort`, `string.gsub`, `tostring` and
   * `print` are yieldable stand-ins written in Lua (yieldable.ts), so a call may wait in their
   * callbacks too; a call that must wait where Lua still cannot yield (a `__gc` finalizer, a
   * `load` reader, `xpcall`'s message handler, `__tostring` through `string.format`, a
   * metamethod called by another C function) fails with a Lua error saying so. A script
   * computing holds up this thread's event loop, and `kill` takes effect while it waits.
   * `spinMicros`, `sharedBytes` and `resourceLimits` apply to workers only.
   */
  readonly thread?: "worker" | "main"
}

/** @since 0.1.0 */
export interface RunResult {
  /** 0 on success, 1 on an uncaught error (or a crash), or the `os.exit` status. */
  readonly exitCode: number
  /** With `output: "capture"` only. */
  readonly stdout?: Uint8Array
  /** With `output: "capture"` only. */
  readonly stderr?: Uint8Array
}

/**
 * The run could not happen or did not finish: the worker could not start (`StartFailed`, e.g.
 * the build is missing), the options are wrong (`InvalidOptions`), or it was killed
 * (`Interrupted`). Script errors are not this: they are a `RunResult` with exit code 1.
 *
 * @since 0.1.0
 */
export class LuaRuntimeError extends Data.TaggedError("LuaRuntimeError")<{
  readonly reason: "StartFailed" | "InvalidOptions" | "Interrupted"
  readonly message: string
  readonly cause?: unknown
}> {}

/** A started script. @since 0.1.0 */
export interface RunningScript {
  readonly scriptId: number
  /** Settles after the worker has exited and every `onExit` cleanup has run. */
  readonly result: Promise<RunResult>
  /** Terminates the worker (if still running), runs the cleanups; `result` rejects with `Interrupted`. */
  readonly kill: () => Promise<void>
}

/**
 * `LUASOCK_SPIN` (microseconds) when set; else 50 when this process may run on more than one
 * CPU, 0 when it is confined to one (e.g. by `taskset`): a spinning worker would only take the
 * CPU from the main thread that must answer it.
 */
const defaultSpinMicros = (): number => {
  const env = Number(process.env["LUASOCK_SPIN"])
  if (process.env["LUASOCK_SPIN"] !== undefined && env >= 0) return env
  return os.availableParallelism() > 1 ? 50 : 0
}

let nextScriptId = 1
let liveWorkers = 0

/** Worker threads currently alive (started and not yet exited), for leak checks. @since 0.1.0 */
export const liveWorkerCount = (): number => liveWorkers

const encoder = new TextEncoder()
const isThenable = (u: unknown): u is PromiseLike<unknown> =>
  typeof u === "object" && u !== null && typeof (u as { then?: unknown }).then === "function"

const concatBytes = (parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  let n = 0
  for (const p of parts) n += p.length
  const out = new Uint8Array(n)
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

/**
 * Starts a script. Throws {@link LuaRuntimeError} (`InvalidOptions`) synchronously for bad
 * options; everything else is reported through `result`.
 *
 * @since 0.1.0
 */
export const start = (script: LuaScript, options: RunOptions = {}): RunningScript => {
  const hosts = registryEntries(options.hosts)
  for (const [name, fn] of hosts) {
    if (name === "call") {
      throw new LuaRuntimeError({ reason: "InvalidOptions", message: "a host function cannot be named 'call': host.call(name, ...) is the by-name entry" })
    }
    if (typeof fn !== "function") throw new LuaRuntimeError({ reason: "InvalidOptions", message: `host '${name}' is not a function` })
  }
  const thread = options.thread ?? "worker"
  if (thread !== "worker" && thread !== "main") {
    throw new LuaRuntimeError({ reason: "InvalidOptions", message: `thread must be "worker" or "main", got ${String(thread)}` })
  }
  const sharedBytes = options.sharedBytes ?? 256 * 1024
  if (!(sharedBytes >= 64)) throw new LuaRuntimeError({ reason: "InvalidOptions", message: `sharedBytes must be at least 64, got ${sharedBytes}` })
  const capture = options.output === "capture"
  const progName = options.progName ?? "luasock"
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(options.env ?? process.env)) if (v !== undefined) env[k] = v

  const scriptId = nextScriptId++
  const engineInput: EngineInput = {
    hostNames: hosts.map(([name]) => name),
    script: "file" in script
      ? { file: script.file }
      : {
        source: typeof script.source === "string" ? encoder.encode(script.source) : script.source,
        chunkName: script.name !== undefined ? `@${script.name}` : "=(source)",
        scriptName: script.name ?? "(source)"
      },
    args: options.args ?? [],
    progName,
    env,
    output: capture ? "capture" : "inherit",
    stdin: options.stdin ?? "inherit",
    builtinDir: options.builtinDir ?? builtinLuaDir
  }

  // ---- output and host-bug reports ----
  const stdout: Array<Uint8Array> = []
  const stderr: Array<Uint8Array> = []
  const writeStderr = (text: string): void => {
    if (capture) stderr.push(encoder.encode(text))
    else process.stderr.write(text)
  }
  const reportHostError = options.onHostError ?? ((error: unknown, name: string) => {
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error)
    writeStderr(`${progName}: host function '${name}' failed (a host bug): ${detail}\n`)
  })
  const onOutput = (m: WorkerMessage): void => {
    if (m.kind === "output") (m.fd === 1 ? stdout : stderr).push(m.bytes)
  }

  // ---- context and lifecycle ----
  const abort = new AbortController()
  const cleanups: Array<() => void | PromiseLike<void>> = []
  let ended = false
  /** The host call in progress: whether it was given up, and the way to cancel it, if any. */
  let current: { abandoned: boolean; cancel?: () => void } = { abandoned: false }
  const ctx: HostContext = {
    scriptId,
    state: new Map(),
    signal: abort.signal,
    onExit: (cleanup) => {
      if (ended) {
        void Promise.resolve().then(cleanup).catch((e: unknown) => reportHostError(e, "onExit"))
      } else cleanups.push(cleanup)
    },
    cancelable: (cancel) => {
      current.cancel = cancel
    },
    thread
  }

  let resolveResult!: (r: RunResult) => void
  let rejectResult!: (e: LuaRuntimeError) => void
  const result = new Promise<RunResult>((resolve, reject) => {
    resolveResult = resolve
    rejectResult = reject
  })

  /** Runs the cleanups (after the script's end), then settles `result`. */
  const settle = async (outcome: { readonly exitCode: number } | LuaRuntimeError): Promise<void> => {
    abort.abort()
    for (let i = cleanups.length - 1; i >= 0; i--) {
      try {
        await cleanups[i]!()
      } catch (e) {
        reportHostError(e, "onExit")
      }
    }
    cleanups.length = 0
    if (outcome instanceof LuaRuntimeError) rejectResult(outcome)
    else {
      const exitCode = outcome.exitCode
      resolveResult(capture ? { exitCode, stdout: concatBytes(stdout), stderr: concatBytes(stderr) } : { exitCode })
    }
  }
  const interrupted = (): LuaRuntimeError => new LuaRuntimeError({ reason: "Interrupted", message: "the Lua script was interrupted" })

  // ---- host calls ----
  /**
   * Runs the host call in `bytes`, writing its reply into `out`: at once (undefined) or when
   * the returned promise settles. Never throws.
   */
  const dispatch = (bytes: Uint8Array, out: Writer): undefined | Promise<void> => {
    const writeError = (name: string, e: unknown): void => {
      const { level, message } = errorOf(name, e)
      out.reset()
      out.u8(Status.Error)
      out.i32(level)
      if (typeof message === "string") out.text(message)
      else out.str(message, 0, message.length)
    }
    const writeOk = (name: string, values: unknown): void => {
      out.reset()
      out.u8(Status.Ok)
      try {
        encodeValues(out, values as ReadonlyArray<unknown>)
      } catch (e) {
        writeError(name, e)
      }
    }
    const r = new Reader(bytes)
    const done = callHost(r.u32(), () => decodeValues(r, r.u32()), writeOk, writeError, undefined)
    return done instanceof Promise ? done : undefined
  }

  /** Main thread: a host call with its arguments as they are; values go back as they are when they are scalars. */
  const direct = (id: number, args: Array<LuaValue>, out: Writer): DirectReply | Promise<DirectReply> => {
    const success = (name: string, values: unknown): DirectReply => {
      if (Array.isArray(values) && values.every(isScalar)) return { values }
      // tables (or what Lua cannot hold: the wire encoding reports it)
      out.reset()
      out.u8(Status.Ok)
      try {
        encodeValues(out, values as ReadonlyArray<unknown>)
      } catch (e) {
        return errorOf(name, e)
      }
      return new Reader(out.buf.slice(0, out.pos))
    }
    return callHost(id, () => args, success, errorOf, ABANDONED)
  }

  /** A host function's failure as Lua sees it; anything but a LuaError is a host bug, also reported. */
  const errorOf = (name: string, e: unknown): { readonly level: number; readonly message: string | Uint8Array } => {
    if (e instanceof LuaError) return { level: e.level, message: e.luaMessage }
    reportHostError(e, name)
    return { level: 0, message: `host function '${name}' failed: ${e instanceof Error ? e.message : String(e)}` }
  }

  /**
   * Runs host function `id` on `args()`: its values through `ok`, its failure through `failed`,
   * at once or when its promise settles. A call given up meanwhile (see
   * HostContext.cancelable) gets `abandoned` and reports nothing.
   */
  const callHost = <R>(
    id: number,
    args: () => ReadonlyArray<LuaValue>,
    ok: (name: string, values: unknown) => R,
    failed: (name: string, e: unknown) => R,
    abandoned: R
  ): R | Promise<R> => {
    const entry = hosts[id]
    if (entry === undefined) return failed(`#${id}`, new Error(`no host function #${id}`))
    const [name, fn] = entry as readonly [string, HostFunction]
    const call: { abandoned: boolean; cancel?: () => void } = { abandoned: false }
    current = call
    let value: ReturnType<HostFunction>
    try {
      value = fn(args(), ctx)
    } catch (e) {
      return failed(name, e)
    }
    if (!isThenable(value)) return ok(name, value)
    return Promise.resolve(value).then(
      (v) => (call.abandoned ? abandoned : ok(name, v)),
      (e: unknown) => (call.abandoned ? abandoned : failed(name, e))
    )
  }

  let unwatch: () => void = () => {}
  if (thread === "main") return startMain()
  return startWorker()

  // ---- the script on this thread ----
  function startMain(): RunningScript {
    let killed = false
    let finishing: Promise<void> | undefined
    const end = (outcome: { readonly exitCode: number } | LuaRuntimeError): Promise<void> => {
      if (finishing === undefined) {
        ended = true
        finishing = settle(outcome)
      }
      return finishing
    }
    /** When the script last let this thread's event loop run. */
    let lastTurn = 0
    /**
     * A script that keeps calling without ever waiting would hold up this thread's other work
     * (its own peers included): every few milliseconds, its reply comes after a turn of the loop.
     */
    const fair = <R>(reply: R, mayWait: boolean): R | Promise<R> =>
      mayWait && performance.now() - lastTurn > turnEveryMs ? new Promise<R>((resolve) => setImmediate(() => resolve(reply))) : reply
    const drive = async (): Promise<void> => {
      const request = new Writer(new Uint8Array(16 * 1024))
      const reply = new Writer(new Uint8Array(16 * 1024))
      // a private copy of the reply: a finalizer run while its values are pushed may call again
      const replyReader = (): Reader => new Reader(reply.buf.slice(0, reply.pos))
      let engine: Engine
      try {
        engine = await createEngine(engineInput, {
          post: onOutput,
          writer: request,
          ownsConsole: false,
          exit: (code) => {
            throw new ExitSignal(code)
          },
          exchange: (mayWait) => {
            const bytes = request.buf.subarray(0, request.pos)
            const p = dispatch(bytes, reply)
            return p !== undefined ? p.then(replyReader) : fair(replyReader(), mayWait)
          },
          direct: (id, args, mayWait) => {
            const r = direct(id, args, reply)
            return r instanceof Promise ? r : fair(r, mayWait)
          },
          abandon: () => {
            current.abandoned = true
            current.cancel?.()
          }
        })
      } catch (e) {
        return void end(new LuaRuntimeError({ reason: "StartFailed", message: `cannot start the Lua engine: ${String(e)}`, cause: e }))
      }
      if (killed) return
      let code: number
      try {
        lastTurn = performance.now()
        let outcome = engine.startInline()
        while (typeof outcome !== "number") {
          // (killed meanwhile: `kill` has settled the result; a reply that never comes leaves
          // this frame unreachable, and so collectable, once the host drops its promise)
          const reply = await outcome.reply
          if (killed) return
          lastTurn = performance.now()
          outcome = engine.resume(reply)
        }
        code = outcome
        engine.finish(code)
      } catch (e) {
        if (e instanceof ExitSignal) code = e.code
        else {
          // a wasm trap or abort (e.g. the wasm heap cannot grow), or a bug in the engine
          const msg = e instanceof Error ? (e.stack ?? e.message) : String(e)
          engine.emit(2, encoder.encode(`${progName}: fatal: ${msg}\n`))
          try {
            engine.finish(1)
          } catch {
            // ExitSignal
          }
          code = 1
        }
      }
      if (!killed) await end({ exitCode: code })
    }
    const kill = (): Promise<void> => {
      if (!ended) {
        killed = true
        return end(interrupted())
      }
      return finishing ?? Promise.resolve()
    }
    watchSignal(kill)
    void drive()
    return { scriptId, result, kill }
  }

  // ---- the script in a worker thread ----
  function startWorker(): RunningScript {
    const control = new SharedArrayBuffer(Ctl.Size * 4)
    const data = new SharedArrayBuffer(sharedBytes)
    const ctl = new Int32Array(control)
    const writer = new Writer(new Uint8Array(data))
    const channel = new MessageChannel()
    const port: MessagePort = channel.port1
    const input: WorkerInput = { ...engineInput, control, data, port: channel.port2, spinMicros: options.spinMicros ?? defaultSpinMicros() }

    let ready = false
    let exitCode: number | undefined
    let workerError: unknown
    let killed = false
    let resolveExited!: () => void
    const exited = new Promise<void>((resolve) => (resolveExited = resolve))
    let finishing: Promise<void> | undefined

    const deliver = (): void => {
      if (ended) return
      if (writer.inShared) {
        Atomics.store(ctl, Ctl.Length, writer.pos)
        Atomics.store(ctl, Ctl.State, CallState.ReplyInline)
      } else {
        const bytes = writer.detach()
        port.postMessage(bytes, [bytes.buffer as ArrayBuffer])
        Atomics.store(ctl, Ctl.State, CallState.ReplyPort)
      }
      Atomics.notify(ctl, Ctl.State)
    }
    const call = (bytes: Uint8Array): void => {
      const p = dispatch(bytes, writer)
      if (p === undefined) return deliver()
      Atomics.store(ctl, Ctl.State, CallState.Async)
      void p.then(deliver)
    }

    // the doorbell: a request in the shared area (its length), or one on the port (taken by
    // onMessage). `exchange` takes the value, so a ring between two waits is never lost. A
    // request that is already there when the wait is re-armed is taken after a turn of the
    // event loop (setImmediate), never in a loop here: between two calls of the script, Node
    // must get to do its I/O (flush a send's queued bytes into the kernel, read), or a script
    // sending in a tight loop would find the buffers "full" while the kernel has room.
    const ring = (): void => {
      if (ended) return
      const v = Atomics.exchange(ctl, Ctl.Doorbell, Doorbell.Empty)
      if (v > Doorbell.OnPort) call(new Uint8Array(data, 0, v))
      const w = waitAsync(ctl, Ctl.Doorbell, Doorbell.Empty)
      if (w.async) void w.value.then(ring)
      else setImmediate(ring)
    }
    ring()

    const onMessage = (m: Uint8Array | WorkerMessage): void => {
      if (m instanceof Uint8Array) return call(m)
      switch (m.kind) {
        case "ready":
          ready = true
          return
        case "output":
          return onOutput(m)
        case "exit":
          if (exitCode === undefined) exitCode = m.code
          void finish()
          return
      }
    }
    port.on("message", onMessage)

    let worker: Worker
    try {
      worker = new Worker(workerUrl, {
        workerData: input,
        transferList: [channel.port2],
        ...(options.resourceLimits !== undefined ? { resourceLimits: options.resourceLimits } : {})
      })
    } catch (e) {
      port.close()
      throw new LuaRuntimeError({ reason: "StartFailed", message: `cannot start the Lua worker (${workerUrl.href}): ${String(e)}`, cause: e })
    }
    liveWorkers++
    worker.on("error", (e) => {
      workerError = e
    })
    worker.on("exit", () => {
      liveWorkers--
      resolveExited()
      void finish()
    })

    /** Once: stop the worker, run cleanups, settle `result`. */
    const finish = (): Promise<void> => {
      if (finishing !== undefined) return finishing
      ended = true
      finishing = (async () => {
        abort.abort()
        void worker.terminate()
        Atomics.notify(ctl, Ctl.Doorbell) // ends the doorbell's wait (ended is set)
        await exited
        // output the worker posted just before it died
        for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
          const msg = m.message as WorkerMessage
          if (typeof msg === "object" && msg !== null && "kind" in msg) {
            if (msg.kind === "output") onOutput(msg)
            else if (msg.kind === "exit" && exitCode === undefined) exitCode = msg.code
          }
        }
        port.close()
        if (killed) return settle(interrupted())
        if (exitCode === undefined && !ready) {
          const detail = workerError instanceof Error ? workerError.message : String(workerError ?? "it exited")
          return settle(new LuaRuntimeError({ reason: "StartFailed", message: `the Lua worker did not start: ${detail}`, cause: workerError }))
        }
        if (exitCode === undefined) {
          const detail = workerError instanceof Error ? workerError.message : "the worker thread exited unexpectedly"
          writeStderr(`${progName}: the Lua worker crashed: ${detail}\n`)
          exitCode = 1
        }
        return settle({ exitCode })
      })()
      return finishing
    }

    const kill = (): Promise<void> => {
      if (!ended) killed = true
      return finish()
    }
    watchSignal(kill)
    void exited.then(() => unwatch())
    return { scriptId, result, kill }
  }

  function watchSignal(kill: () => Promise<void>): void {
    if (options.signal === undefined) return
    const signal = options.signal
    if (signal.aborted) {
      void kill()
      return
    }
    const onAbort = (): void => void kill()
    signal.addEventListener("abort", onAbort, { once: true })
    unwatch = () => signal.removeEventListener("abort", onAbort)
    void result.then(unwatch, unwatch)
  }
}

/** Node 20 has Atomics.waitAsync; TypeScript's ES2022 lib does not declare it. */
const waitAsync = (Atomics as unknown as {
  waitAsync: (a: Int32Array, index: number, value: number) => { async: false; value: string } | { async: true; value: Promise<string> }
}).waitAsync

const MinInt = -(2n ** 63n)
const MaxInt = 2n ** 63n - 1n
/** A value the engine pushes as it is (anything else goes through the wire encoding). */
const isScalar = (v: unknown): boolean => {
  switch (typeof v) {
    case "undefined":
    case "boolean":
    case "number":
    case "string":
      return true
    case "bigint":
      return v >= MinInt && v <= MaxInt
    case "object":
      return v === null || v instanceof Uint8Array
    default:
      return false
  }
}

/** The longest a script on the main thread runs host calls without a turn of the event loop. */
const turnEveryMs = 4

/** os.exit (or the end of the script) on the main thread: unwinds the Lua call stack. */
class ExitSignal {
  constructor(readonly code: number) {}
}

/**
 * Runs a Lua file like `lua5.4 path args...`.
 *
 * @since 0.1.0
 */
export const runFile = (path: string, options?: RunOptions): Promise<RunResult> => {
  try {
    return start({ file: path }, options).result
  } catch (e) {
    return Promise.reject(e)
  }
}

/**
 * Runs Lua source text.
 *
 * @since 0.1.0
 */
export const runSource = (source: string | Uint8Array, options?: RunOptions & { readonly name?: string }): Promise<RunResult> => {
  try {
    return start(options?.name !== undefined ? { source, name: options.name } : { source }, options).result
  } catch (e) {
    return Promise.reject(e)
  }
}
