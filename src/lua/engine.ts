/**
 * One Lua 5.4 state (wasmoon: Lua on WebAssembly) driven straight through the Lua C API, with
 * lua5.4's process behaviour (`arg`, print / io on the real stdout / stderr / stdin, loadfile
 * on the real file system, os.exit, os.getenv, tracebacks) and host calls.
 *
 * Two drivers use it:
 * - the worker (worker.ts): the state lives in a worker thread that blocks on every host call
 *   (`Atomics.wait`), so a call works in every context Lua has;
 * - the main thread (inline.ts): the script runs as a coroutine; a host call that must wait
 *   yields it to a JavaScript driver that resumes it when the reply is there, so no thread is
 *   crossed. Contexts that cannot yield (a callback from a C function) get a clear error.
 *
 * @since 0.1.0
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { LuaWasm } from "wasmoon"
import {
  LUA_MULTRET,
  LUA_OK,
  LUA_REGISTRYINDEX,
  LUA_YIELD,
  LUA_ERRMEM,
  type LuaModule,
  LuaType,
  type Ptr,
  type State,
  typeName,
  upvalueIndex
} from "./luaApi.js"
import type { LuaValue } from "./Host.js"
import { prelude } from "./prelude.js"
import { yieldable } from "./yieldable.js"
import { concat, isBrokenPipe, Stdio, strerror } from "./stdio.js"
import { MaxDepth, Reader, Status, Tag, type WorkerInput, type WorkerMessage, type Writer } from "./protocol.js"

/** What a driver gives the engine. */
export interface EngineEnv {
  /** Captured output and `ready`. */
  readonly post: (m: WorkerMessage) => void
  /** Ends the script with `code` (after the engine flushed its output); never returns. */
  readonly exit: (code: number) => never
  /** Where host-call requests are encoded. */
  readonly writer: Writer
  /**
   * Sends the request in `writer`; the reply, or (main thread only) a promise of it when the
   * host must wait. `mayWait`: the script could yield here (a promise is not an error).
   */
  readonly exchange: (mayWait: boolean) => Reader | Promise<Reader>
  /**
   * Main thread only: a host call with scalar arguments (nil, booleans, numbers, strings as
   * bytes), without the wire encoding; its reply at once or (when it must wait) later.
   */
  readonly direct?: (id: number, args: Array<LuaValue>, mayWait: boolean) => DirectReply | Promise<DirectReply>
  /** Main thread only: gives up the pending call (a context that cannot yield made it). */
  readonly abandon?: () => void
  /** The thread is the script's own (a worker): route emscripten's console output to the script. */
  readonly ownsConsole: boolean
}

/**
 * A host call's reply on the main thread: scalar values as they are, an error (a Lua error
 * value at `level`), or the wire encoding (tables).
 */
export type DirectReply =
  | { readonly values: ReadonlyArray<LuaValue> }
  | { readonly level: number; readonly message: string | Uint8Array }
  | Reader

/** The reply of a call the runtime gave up (never pushed). */
export const ABANDONED: DirectReply = { level: 0, message: "luasock: a host call given up" }

/** The engine's inputs: the worker's, without its transport. */
export type EngineInput = Omit<WorkerInput, "control" | "data" | "port" | "spinMicros">

/** A host call that must wait, as the main-thread driver sees it. */
export interface Pending {
  readonly reply: Promise<Reader | DirectReply>
}

export interface Engine {
  /** Worker: runs the whole script synchronously; the exit status. */
  readonly runBlocking: () => number
  /**
   * Main thread: runs the script until it ends (the exit status) or waits on a host call
   * (the pending reply: call `resume(reply)` once it is there).
   */
  readonly startInline: () => number | Pending
  readonly resume: (reply: Reader | DirectReply) => number | Pending
  /** Flushes the output and ends with `code` through `env.exit` (never returns). */
  readonly finish: (code: number) => never
  /** Writes to the script's stdout (1) or stderr (2). */
  readonly emit: (fd: 1 | 2, bytes: Uint8Array) => unknown
}

/** The part of the WebAssembly API used here (the project's lib has no WebAssembly types). */
interface WasmInstance {
  readonly exports: Record<string, unknown>
}
interface WasmApi {
  instantiate: (...args: Array<unknown>) => Promise<WasmInstance | { readonly instance: WasmInstance }>
  readonly Instance: abstract new(...args: Array<never>) => WasmInstance
  readonly Memory: abstract new(...args: Array<never>) => { readonly buffer: ArrayBuffer }
}
const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly

/** Every WebAssembly instance made in this thread since the first engine (weakly held). */
const instances: Array<WeakRef<WasmInstance>> = []
let watching = false

/**
 * wasmoon's Lua module, with its C functions bound to the WebAssembly exports themselves.
 *
 * wasmoon's build wraps each exported function for assertions: every call builds two
 * template strings, looks the export up by name (a megamorphic keyed load) and forwards
 * `arguments` with `apply`. The engine makes dozens of such calls per host call and three per
 * library method call (host.cfunction's trampoline): in a W3 profile the lookups alone were
 * 6% of the worker's time. The exports behave the same without the wrapper (the wrapper only
 * asserts that the runtime is initialised, which it is here), so the module's own functions
 * are shadowed by them. The instance is recognised by its memory (the module's heap views are
 * over it); should it not be found (another wasmoon build), the module is used as it is.
 */
const initializeLua = async (): Promise<LuaModule> => {
  if (!watching) {
    watching = true
    const original = Wasm.instantiate
    Wasm.instantiate = function(this: unknown, ...args: Array<unknown>) {
      return original.apply(this, args).then((r) => {
        instances.push(new WeakRef(r instanceof Wasm.Instance ? r : (r as { readonly instance: WasmInstance }).instance))
        return r
      })
    }
  }
  const wasm = await LuaWasm.initialize()
  const module = wasm.module as unknown as LuaModule & Record<string, unknown>
  let exports: Record<string, unknown> | undefined
  for (let i = instances.length - 1; i >= 0; i--) {
    const inst = instances[i]!.deref()
    if (inst === undefined) {
      instances.splice(i, 1)
      continue
    }
    const memory = inst.exports["memory"]
    if (memory instanceof Wasm.Memory && memory.buffer === module.HEAPU8.buffer) {
      exports = inst.exports
      instances.splice(i, 1)
      break
    }
  }
  if (exports === undefined) return module
  const bound = Object.create(module) as Record<string, unknown>
  for (const key of Object.keys(module)) {
    if (!key.startsWith("_") || typeof module[key] !== "function") continue
    const f = exports[key.slice(1)]
    if (typeof f === "function") bound[key] = f
  }
  return bound as unknown as LuaModule
}

export const createEngine = async (input: EngineInput, env: EngineEnv): Promise<Engine> => {
  const writer = env.writer
  const utf8 = new TextEncoder()
  const post = env.post

  // ---- standard streams ------------------------------------------------------------------

  let exiting = false
  /** Flushes the output and ends the script with `code` (141 if stdout is a broken pipe). */
  const finish = (code: number): never => {
    if (!exiting) {
      exiting = true
      stdio.closing = true
      if (isBrokenPipe(stdio.flushStdout())) code = 141
      stdio.flushCapture()
    }
    return env.exit(code)
  }

  const stdio = new Stdio({
    output: input.output,
    stdin: input.stdin,
    post: (fd, bytes) => post({ kind: "output", fd, bytes }),
    // a closed stdout / stderr pipe: lua5.4 dies of SIGPIPE, 128 + 13
    onBrokenPipe: () => finish(141)
  })
  const emit = (fd: 1 | 2, bytes: Uint8Array): unknown => stdio.emit(fd, bytes)

  if (env.ownsConsole) {
    // emscripten's own output (C stdio: e.g. lua_warning text, "Cannot enlarge memory") goes to
    // console.log / console.error, bound when the module initialises: in a worker, route it to
    // the script's stdout / stderr instead of the thread's asynchronous console.
    console.log = (...parts: Array<unknown>) => void emit(1, utf8.encode(`${parts.join(" ")}\n`))
    console.error = (...parts: Array<unknown>) => void emit(2, utf8.encode(`${parts.join(" ")}\n`))
    console.warn = console.error
  }

  // ---- the Lua state ---------------------------------------------------------------------

  const em = await initializeLua()
  // the C API as local functions: a call is then a plain call, not a property load each time
  const {
    _free,
    _luaL_argerror,
    _luaL_callmeta,
    _luaL_getmetafield,
    _luaL_checkinteger,
    _luaL_checklstring,
    _luaL_checkstack,
    _luaL_loadbufferx,
    _luaL_newstate,
    _luaL_openlibs,
    _luaL_optinteger,
    _luaL_tolstring,
    _luaL_traceback,
    _luaL_typeerror,
    _luaL_where,
    _lua_absindex,
    _lua_callk,
    _lua_checkstack,
    _lua_close,
    _lua_concat,
    _lua_createtable,
    _lua_error,
    _lua_getfield,
    _lua_getglobal,
    _lua_gettop,
    _lua_isinteger,
    _lua_isyieldable,
    _lua_newthread,
    _lua_newuserdatauv,
    _lua_next,
    _lua_pcallk,
    _lua_pushboolean,
    _lua_pushcclosure,
    _lua_pushinteger,
    _lua_pushlstring,
    _lua_pushnil,
    _lua_pushnumber,
    _lua_pushthread,
    _lua_pushvalue,
    _lua_rawset,
    _lua_rawseti,
    _lua_resetthread,
    _lua_resume,
    _lua_rotate,
    _lua_setfield,
    _lua_setglobal,
    _lua_settop,
    _lua_setupvalue,
    _lua_status,
    _lua_stringtonumber,
    _lua_toboolean,
    _lua_tointegerx,
    _lua_tolstring,
    _lua_tonumberx,
    _lua_topointer,
    _lua_tothread,
    _lua_touserdata,
    _lua_type,
    _lua_xmove,
    _lua_yieldk,
    _malloc
  } = em

  const cstrings = new Map<string, Ptr>()
  /** A permanent NUL-terminated copy of a (short, constant) string. */
  const cstr = (s: string): Ptr => {
    let p = cstrings.get(s)
    if (p === undefined) {
      const b = utf8.encode(s)
      p = _malloc(b.length + 1)
      em.HEAPU8.set(b, p)
      em.HEAPU8[p + b.length] = 0
      cstrings.set(s, p)
    }
    return p
  }
  const lenPtr = _malloc(8)
  const errBuf = _malloc(512)

  let scratchPtr = _malloc(1 << 16)
  let scratchSize = 1 << 16
  /**
   * Scratch wasm memory for `n` bytes (re-read the pointer after any Lua call: it may move).
   * Raises Lua's "not enough memory" when the wasm heap cannot hold it.
   */
  const scratch = (L: State, n: number): Ptr => {
    if (n > scratchSize) {
      _free(scratchPtr)
      scratchSize = Math.max(n, scratchSize * 2)
      scratchPtr = _malloc(scratchSize)
      if (scratchPtr === 0) {
        scratchSize = 1 << 16
        scratchPtr = _malloc(scratchSize)
        if (scratchPtr === 0) throw new Error("the wasm heap is exhausted")
        raise(L, "not enough memory")
      }
    }
    return scratchPtr
  }
  /** Gives back a big scratch area after a large transfer. */
  const shrinkScratch = (): void => {
    if (scratchSize > 1 << 20) {
      _free(scratchPtr)
      scratchSize = 1 << 16
      scratchPtr = _malloc(scratchSize)
    }
  }

  const pushBytes = (L: State, bytes: Uint8Array, start: number, end: number): void => {
    const len = end - start
    const p = scratch(L, len)
    em.HEAPU8.set(bytes.subarray(start, end), p)
    _lua_pushlstring(L, p, len)
  }
  const pushText = (L: State, s: string): void => {
    const b = utf8.encode(s)
    pushBytes(L, b, 0, b.length)
  }
  /** The bytes of the string at idx (no conversion), as a view valid until the next Lua call. */
  const stringView = (L: State, idx: number): Uint8Array => {
    const p = _lua_tolstring(L, idx, lenPtr)
    return em.HEAPU8.subarray(p, p + em.HEAPU32[lenPtr >> 2]!)
  }
  /** luaL_checklstring, as a copy. */
  const checkBytes = (L: State, arg: number): Uint8Array => {
    const p = _luaL_checklstring(L, arg, lenPtr)
    return em.HEAPU8.slice(p, p + em.HEAPU32[lenPtr >> 2]!)
  }
  /** Raises "bad argument #arg to 'f' (msg)" (never returns). */
  const argError = (L: State, arg: number, msg: string): never => {
    const b = utf8.encode(msg).subarray(0, 511)
    em.HEAPU8.set(b, errBuf)
    em.HEAPU8[errBuf + b.length] = 0
    _luaL_argerror(L, arg, errBuf)
    throw new Error("unreachable: luaL_argerror returned")
  }
  /** Raises a Lua error with a string value (never returns). */
  const raise = (L: State, msg: string): never => {
    pushText(L, msg)
    _lua_error(L)
    throw new Error("unreachable: lua_error returned")
  }

  const C = (fn: (L: State) => number): Ptr => em.addFunction(fn, "ii")
  const setField = (L: State, idx: number, name: string, fn: Ptr, upvalues = 0): void => {
    _lua_pushcclosure(L, fn, upvalues)
    _lua_setfield(L, idx < 0 && idx > LUA_REGISTRYINDEX ? idx - 1 : idx, cstr(name))
  }

  // ---- host calls ------------------------------------------------------------------------

  const visiting: Array<Ptr> = []

  /** Encodes the Lua value at idx (argument `arg` of the call, for error messages). */
  const encodeStack = (L: State, idx: number, arg: number, depth: number): void => {
    const t = _lua_type(L, idx)
    switch (t) {
      case LuaType.None:
      case LuaType.Nil:
        writer.u8(Tag.Nil)
        return
      case LuaType.Boolean:
        writer.u8(_lua_toboolean(L, idx) ? Tag.True : Tag.False)
        return
      case LuaType.Number:
        if (_lua_isinteger(L, idx)) {
          writer.u8(Tag.Int)
          writer.i64(_lua_tointegerx(L, idx, 0))
        } else {
          writer.u8(Tag.Float)
          writer.f64(_lua_tonumberx(L, idx, 0))
        }
        return
      case LuaType.String: {
        const p = _lua_tolstring(L, idx, lenPtr)
        writer.str(em.HEAPU8, p, p + em.HEAPU32[lenPtr >> 2]!)
        return
      }
      case LuaType.Table: {
        if (depth >= MaxDepth) argError(L, arg, `table nested deeper than ${MaxDepth} levels, not supported by host call`)
        const id = _lua_topointer(L, idx)
        if (visiting.includes(id)) argError(L, arg, "cyclic table not supported by host call")
        if (!_lua_checkstack(L, 4)) argError(L, arg, "table too deep for the Lua stack")
        visiting.push(id)
        const table = _lua_absindex(L, idx)
        writer.u8(Tag.Pairs)
        writer.u32(0)
        const countAt = writer.pos - 4
        let n = 0
        _lua_pushnil(L)
        while (_lua_next(L, table)) {
          const kt = _lua_type(L, -2)
          if (kt !== LuaType.String && kt !== LuaType.Number && kt !== LuaType.Boolean) {
            argError(L, arg, `table with a ${typeName(kt)} key not supported by host call`)
          }
          encodeStack(L, -2, arg, depth + 1)
          encodeStack(L, -1, arg, depth + 1)
          _lua_settop(L, -2)
          n++
        }
        writer.view.setUint32(countAt, n, true)
        visiting.pop()
        return
      }
      default:
        argError(
          L,
          arg,
          depth === 0 ? `${typeName(t)} not supported by host call` : `table with a ${typeName(t)} value not supported by host call`
        )
    }
  }

  /** Pushes one decoded value. */
  const pushValue = (L: State, r: Reader): void => {
    const tag = r.u8()
    switch (tag) {
      case Tag.Nil:
        _lua_pushnil(L)
        return
      case Tag.False:
        _lua_pushboolean(L, 0)
        return
      case Tag.True:
        _lua_pushboolean(L, 1)
        return
      case Tag.Float:
        _lua_pushnumber(L, r.f64())
        return
      case Tag.Int:
        _lua_pushinteger(L, r.i64())
        return
      case Tag.Str: {
        const len = r.strLength()
        pushBytes(L, r.buf, r.pos, r.pos + len)
        r.pos += len
        return
      }
      case Tag.Array: {
        const n = r.u32()
        if (!_lua_checkstack(L, 4)) raise(L, "host call result too deep for the Lua stack")
        _lua_createtable(L, n, 0)
        for (let i = 0; i < n; i++) {
          if (r.buf[r.pos] === Tag.Nil) {
            r.pos++
            continue
          }
          pushValue(L, r)
          _lua_rawseti(L, -2, BigInt(i + 1))
        }
        return
      }
      case Tag.Record: {
        const n = r.u32()
        if (!_lua_checkstack(L, 4)) raise(L, "host call result too deep for the Lua stack")
        _lua_createtable(L, 0, n)
        for (let i = 0; i < n; i++) {
          pushValue(L, r)
          pushValue(L, r)
          _lua_rawset(L, -3)
        }
        return
      }
      default:
        raise(L, `lua bridge: unknown value tag ${tag} (worker and main thread built from different sources?)`)
    }
  }

  /** The results of a host call's reply pushed (their count), or its error raised. */
  const pushReply = (L: State, r: Reader, large: boolean): number => {
    const status = r.u8()
    if (status === Status.Ok) {
      const n = r.u32()
      if (n > 0) _luaL_checkstack(L, n + 1, cstr("too many results from host call"))
      for (let i = 0; i < n; i++) pushValue(L, r)
      if (large || r.buf.length > 1 << 20) shrinkScratch()
      return n
    }
    const level = r.i32()
    pushValue(L, r)
    if (level > 0) {
      _luaL_where(L, level)
      _lua_rotate(L, -2, 1)
      _lua_concat(L, 2)
    }
    return _lua_error(L)
  }

  // ---- waiting on the main thread (inline driver) ----------------------------------------

  /** The coroutine the main-thread driver runs the script in (0 in a worker). */
  let co0: State = 0
  /** A host call waiting for its reply; the driver takes it when the script yields. */
  let pending: Promise<Reader | DirectReply> | undefined
  /** The reply the driver resumed the script with, for the waiting call's continuation. */
  let settled: Reader | DirectReply | undefined
  /**
   * One entry per coroutine resumed (by this runtime's coroutine.resume / wrap) and not yet
   * back: whether the thread that resumed it could yield all the way to the driver.
   */
  const chain: Array<boolean> = []
  /** Whether a host call on thread L can wait by yielding to the driver. */
  const canWait = (L: State): boolean =>
    co0 !== 0 && _lua_isyieldable(L) !== 0 && (L === co0 || (chain.length > 0 && chain[chain.length - 1]!))

  const K = (fn: (L: State, status: number, ctx: number) => number): Ptr => em.addFunction(fn, "iiii")

  /** Continuation of a host call that yielded: the driver resumed with the reply in `settled`. */
  const hostK = K((L) => {
    const r = settled
    settled = undefined
    if (r === undefined) return raise(L, "luasock: a host call resumed without its reply (a runtime bug)")
    return pushAny(L, r)
  })

  /** Pushes a main-thread reply's values (their count) or raises its error. */
  const pushAny = (L: State, r: Reader | DirectReply): number => {
    if (r instanceof Reader) return pushReply(L, r, false)
    if ("values" in r) {
      const vs = r.values
      const n = vs.length
      if (n > 0) _luaL_checkstack(L, n + 1, cstr("too many results from host call"))
      for (let i = 0; i < n; i++) pushScalar(L, vs[i])
      return n
    }
    if (typeof r.message === "string") pushText(L, r.message)
    else pushBytes(L, r.message, 0, r.message.length)
    if (r.level > 0) {
      _luaL_where(L, r.level)
      _lua_rotate(L, -2, 1)
      _lua_concat(L, 2)
    }
    return _lua_error(L)
  }

  /** Pushes a scalar JS value as the wire would carry it (numbers as floats, bigints as integers). */
  const pushScalar = (L: State, v: LuaValue): void => {
    switch (typeof v) {
      case "boolean":
        _lua_pushboolean(L, v ? 1 : 0)
        return
      case "number":
        _lua_pushnumber(L, v)
        return
      case "bigint":
        _lua_pushinteger(L, v)
        return
      case "string":
        pushText(L, v)
        return
      case "object":
        if (v instanceof Uint8Array) {
          pushBytes(L, v, 0, v.length)
          return
        }
    }
    _lua_pushnil(L)
  }

  /** Arguments first..top as JS values, or undefined when one is a table (or unsupported). */
  const directArgs = (L: State, first: number, top: number): Array<LuaValue> | undefined => {
    const n = Math.max(0, top - first + 1)
    const args: Array<LuaValue> = new Array(n)
    for (let i = 0; i < n; i++) {
      const idx = first + i
      switch (_lua_type(L, idx)) {
        case LuaType.Nil:
          args[i] = undefined
          break
        case LuaType.Boolean:
          args[i] = _lua_toboolean(L, idx) !== 0
          break
        case LuaType.Number:
          if (_lua_isinteger(L, idx)) {
            const v = _lua_tointegerx(L, idx, 0)
            const x = Number(v)
            args[i] = Number.isSafeInteger(x) ? x : v
          } else args[i] = _lua_tonumberx(L, idx, 0)
          break
        case LuaType.String: {
          const p = _lua_tolstring(L, idx, lenPtr)
          args[i] = em.HEAPU8.slice(p, p + em.HEAPU32[lenPtr >> 2]!)
          break
        }
        default:
          return undefined
      }
    }
    return args
  }

  const hostNameOf = (id: number): string => input.hostNames[id] ?? `#${id}`

  /** A host call with the arguments at stack indices first..top. */
  const hostCall = (L: State, id: number, first: number): number => {
    const top = _lua_gettop(L)
    if (env.direct !== undefined) {
      const args = directArgs(L, first, top)
      if (args !== undefined) {
        stdio.flushOutput()
        return answer(L, id, env.direct(id, args, canWait(L)))
      }
    }
    writer.reset()
    writer.u32(id)
    writer.u32(Math.max(0, top - first + 1))
    visiting.length = 0
    for (let i = first; i <= top; i++) encodeStack(L, i, i, 0)
    const large = !writer.inShared
    stdio.flushOutput()
    const r = env.exchange(canWait(L))
    if (!(r instanceof Promise)) return pushReply(L, r, large)
    return answer(L, id, r)
  }

  /** A main-thread reply: pushed now, or the script yields until it is there. */
  const answer = (L: State, id: number, r: Reader | DirectReply | Promise<Reader | DirectReply>): number => {
    if (!(r instanceof Promise)) return pushAny(L, r)
    if (!canWait(L)) {
      env.abandon?.()
      return raise(
        L,
        `luasock: a call that must wait (${hostNameOf(id)}) was made where Lua cannot yield: inside a ` +
          `callback of a C function (a __gc finalizer, a load reader, xpcall's message handler, ` +
          `__tostring through string.format, a metamethod called by table.concat or ipairs...). Scripts ` +
          `on the main thread wait by yielding; run this one in a worker thread (luasock run --worker, ` +
          `the option thread: "worker"), where a call may wait in every context`
      )
    }
    pending = r
    return _lua_yieldk(L, 0, 0, hostK)
  }

  // ---- coroutines on the main thread ------------------------------------------------------
  // The script's own coroutines: a host call that waits inside one yields it to this
  // coroutine.resume (or wrap), which yields its own thread in turn, up to the driver; resumed,
  // it resumes the coroutine, whose host call then returns its results.

  const HOST = -2
  const nresPtr = _malloc(4)

  /** luaL_typeerror: "bad argument #arg to 'f' (<what> expected, got <__name or type>)". */
  const typeError = (L: State, arg: number, what: string): never => {
    _luaL_typeerror(L, arg, cstr(what))
    throw new Error("unreachable: luaL_typeerror returned")
  }

  /**
   * lcorolib's auxresume: resumes co with the top narg values of L. Returns the number of
   * results moved to L, -1 with an error message on L's top, or HOST when a host call inside
   * co waits (co yielded for it).
   */
  const auxresume = (L: State, co: State, narg: number): number => {
    if (!_lua_checkstack(co, narg)) {
      pushText(L, "too many arguments to resume")
      return -1
    }
    _lua_xmove(L, co, narg)
    chain.push(canWait(L))
    let status: number
    try {
      status = _lua_resume(co, L, narg, nresPtr)
    } finally {
      chain.pop()
    }
    if (status === LUA_OK || status === LUA_YIELD) {
      if (status === LUA_YIELD && pending !== undefined) return HOST
      const nres = em.HEAPU32[nresPtr >> 2]!
      if (!_lua_checkstack(L, nres + 1)) {
        _lua_settop(co, -nres - 1)
        pushText(L, "too many results to resume")
        return -1
      }
      _lua_xmove(co, L, nres)
      return nres
    }
    _lua_xmove(co, L, 1)
    return -1
  }

  const resumeResults = (L: State, r: number): number => {
    if (r === HOST) return _lua_yieldk(L, 0, 0, coResumeK)
    if (r < 0) {
      _lua_pushboolean(L, 0)
      _lua_rotate(L, -2, 1)
      return 2
    }
    _lua_pushboolean(L, 1)
    _lua_rotate(L, -(r + 1), 1)
    return r + 1
  }
  const threadArg = (L: State, idx: number): State => {
    const co = _lua_tothread(L, idx)
    return co === 0 ? typeError(L, idx, "coroutine") : co
  }
  const coResume = C((L) => resumeResults(L, auxresume(L, threadArg(L, 1), _lua_gettop(L) - 1)))
  const coResumeK = K((L) => resumeResults(L, auxresume(L, threadArg(L, 1), 0)))

  const wrapResults = (L: State, co: State, r: number): number => {
    if (r === HOST) return _lua_yieldk(L, 0, 0, auxwrapK)
    if (r < 0) {
      let stat = _lua_status(co)
      if (stat !== LUA_OK && stat !== LUA_YIELD) {
        stat = _lua_resetthread(co)
        _lua_xmove(co, L, 1)
      }
      if (stat !== LUA_ERRMEM && _lua_type(L, -1) === LuaType.String) {
        _luaL_where(L, 1)
        _lua_rotate(L, -2, 1)
        _lua_concat(L, 2)
      }
      return _lua_error(L)
    }
    return r
  }
  const auxwrap = C((L) => {
    const co = _lua_tothread(L, upvalueIndex(1))
    return wrapResults(L, co, auxresume(L, co, _lua_gettop(L)))
  })
  const auxwrapK = K((L) => {
    const co = _lua_tothread(L, upvalueIndex(1))
    return wrapResults(L, co, auxresume(L, co, 0))
  })
  const coWrap = C((L) => {
    if (_lua_type(L, 1) !== LuaType.Function) return typeError(L, 1, "function")
    const co = _lua_newthread(L)
    _lua_pushvalue(L, 1)
    _lua_xmove(L, co, 1)
    _lua_pushcclosure(L, auxwrap, 1)
    return 1
  })
  /** yield: the driver's coroutine stands for lua5.4's main thread, which cannot yield. */
  const coYield = C((L) => {
    if (L === co0) {
      pushText(L, "attempt to yield from outside a coroutine")
      return _lua_error(L)
    }
    return _lua_yieldk(L, _lua_gettop(L), 0, 0)
  })
  const coIsyieldable = C((L) => {
    const co = _lua_type(L, 1) === LuaType.None ? L : threadArg(L, 1)
    _lua_pushboolean(L, co !== co0 && _lua_isyieldable(co) ? 1 : 0)
    return 1
  })
  const coRunning = C((L) => {
    const isMain = _lua_pushthread(L)
    _lua_pushboolean(L, isMain || L === co0 ? 1 : 0)
    return 2
  })

  const installCoroutines = (L: State): void => {
    _lua_getglobal(L, cstr("coroutine"))
    setField(L, -1, "resume", coResume)
    setField(L, -1, "wrap", coWrap)
    setField(L, -1, "yield", coYield)
    setField(L, -1, "isyieldable", coIsyieldable)
    setField(L, -1, "running", coRunning)
    _lua_settop(L, -2)
  }

  const hostIds = new Map<string, number>()
  input.hostNames.forEach((name, i) => hostIds.set(name, i))

  // ---- C functions: output ---------------------------------------------------------------

  const TAB = new Uint8Array([9])
  const NL = new Uint8Array([10])

  /** print, as lua5.4's: luaL_tolstring of each argument (so __tostring and __name count). */
  const printArgs = (L: State): number => {
    const n = _lua_gettop(L)
    const parts: Array<Uint8Array> = []
    let total = 1
    for (let i = 1; i <= n; i++) {
      const p = _luaL_tolstring(L, i, lenPtr)
      const s = em.HEAPU8.slice(p, p + em.HEAPU32[lenPtr >> 2]!)
      _lua_settop(L, -2)
      if (i > 1) {
        parts.push(TAB)
        total++
      }
      parts.push(s)
      total += s.length
    }
    parts.push(NL)
    emit(1, concat(parts, total))
    return 0
  }
  const luaPrint = C(printArgs)

  /**
   * The bytes io.write writes for arguments first..last (lua5.4's g_write: numbers as
   * LUA_INTEGER_FMT / LUA_NUMBER_FMT "%.14g", so 5.0 is written "5"; strings as they are).
   */
  const writeArgs = (L: State, first: number, last: number): Uint8Array => {
    const parts: Array<Uint8Array> = []
    let total = 0
    for (let i = first; i <= last; i++) {
      let s: Uint8Array
      if (_lua_type(L, i) === LuaType.Number) {
        const p = _luaL_tolstring(L, i, lenPtr)
        s = em.HEAPU8.slice(p, p + em.HEAPU32[lenPtr >> 2]!)
        _lua_settop(L, -2)
        if (!_lua_isinteger(L, i) && s.length > 2 && s[s.length - 2] === 0x2e && s[s.length - 1] === 0x30) {
          // tostring added ".0" to a float that "looks like an int"; %.14g has no such suffix
          let plain = true
          for (let k = 0; k < s.length - 2; k++) {
            const c = s[k]!
            if (c !== 0x2d && (c < 0x30 || c > 0x39)) plain = false
          }
          if (plain) s = s.subarray(0, s.length - 2)
        }
      } else s = checkBytes(L, i)
      parts.push(s)
      total += s.length
    }
    return concat(parts, total)
  }

  let stdinUd: Ptr = 0
  let stdoutUd: Ptr = 0
  let stderrUd: Ptr = 0
  const fdOf = (ud: Ptr): 1 | 2 | 0 => (ud === stdoutUd ? 1 : ud === stderrUd ? 2 : 0)

  /** Writes to fd; on failure leaves `nil, message, errno` like luaL_fileresult. */
  const fileWrite = (L: State, fd: 1 | 2, bytes: Uint8Array): number => {
    const e = emit(fd, bytes)
    if (e === undefined) return 1
    _lua_pushnil(L)
    pushText(L, strerror(e))
    _lua_pushinteger(L, BigInt((e as { errno?: number }).errno ?? 0) * -1n)
    return 3
  }

  /** Calls the original C function (upvalue 1) with the same arguments. */
  const delegate = (L: State): number => {
    const n = _lua_gettop(L)
    _lua_pushvalue(L, upvalueIndex(1))
    _lua_rotate(L, 1, 1)
    _lua_callk(L, n, LUA_MULTRET, 0, 0)
    return _lua_gettop(L)
  }

  /** io.write(...): to the default output file. */
  const ioWrite = C((L) => {
    _lua_getfield(L, LUA_REGISTRYINDEX, cstr("_IO_output"))
    const fd = fdOf(_lua_touserdata(L, -1))
    _lua_settop(L, -2)
    if (fd === 0) return delegate(L)
    const bytes = writeArgs(L, 1, _lua_gettop(L))
    _lua_getfield(L, LUA_REGISTRYINDEX, cstr("_IO_output"))
    return fileWrite(L, fd, bytes)
  })

  /** file:write(...) */
  const fileWriteMethod = C((L) => {
    const fd = fdOf(_lua_touserdata(L, 1))
    if (fd === 0) return delegate(L)
    const bytes = writeArgs(L, 2, _lua_gettop(L))
    _lua_settop(L, 1)
    return fileWrite(L, fd, bytes)
  })

  /** io.flush() / file:flush(): this runtime's stdout buffer first, then the original. */
  const flushThenDelegate = C((L) => {
    stdio.flushStdout()
    return delegate(L)
  })

  /** file:setvbuf(mode [, size]): on stdout it sets this runtime's buffering too. */
  const fileSetvbufMethod = C((L) => {
    if (_lua_touserdata(L, 1) === stdoutUd && _lua_type(L, 2) === LuaType.String) {
      const mode = decoder.decode(stringView(L, 2))
      if (mode === "no" || mode === "line" || mode === "full") {
        stdio.flushStdout()
        stdio.stdoutMode = mode
      }
    }
    return delegate(L)
  })

  // ---- C functions: stdin ----------------------------------------------------------------

  const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13)
  const isDigit = (c: number, hex: boolean): boolean =>
    (c >= 0x30 && c <= 0x39) || (hex && ((c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)))

  /** io.read("n") as liolib's l_getn: the longest prefix that can be a numeral, then tonumber. */
  const readNumber = (L: State): boolean => {
    const buf: Array<number> = []
    let c = stdio.peek()
    while (c >= 0 && isSpace(c)) {
      stdio.skip()
      c = stdio.peek()
    }
    const test = (set: string): boolean => {
      c = stdio.peek()
      if (c >= 0 && set.includes(String.fromCharCode(c)) && buf.length < 200) {
        buf.push(c)
        stdio.skip()
        return true
      }
      return false
    }
    const digits = (hex: boolean): number => {
      let n = 0
      for (;;) {
        c = stdio.peek()
        if (c >= 0 && isDigit(c, hex) && buf.length < 200) {
          buf.push(c)
          stdio.skip()
          n++
        } else return n
      }
    }
    test("-+")
    let count = 0
    let hex = false
    if (test("0")) {
      if (test("xX")) hex = true
      else count = 1
    }
    count += digits(hex)
    if (test(".")) count += digits(hex)
    if (count > 0 && test(hex ? "pP" : "eE")) {
      test("-+")
      digits(false)
    }
    const b = new Uint8Array(buf.length + 1)
    b.set(buf)
    const p = scratch(L, b.length)
    em.HEAPU8.set(b, p)
    if (_lua_stringtonumber(L, p) !== 0) return true
    _lua_pushnil(L)
    return false
  }

  /** g_read on stdin, formats at first..top; the number of results. */
  const stdinRead = (L: State, first: number): number => {
    const top = _lua_gettop(L)
    if (top < first) {
      const line = stdio.take(Infinity, 10, false)
      if (line === null) _lua_pushnil(L)
      else pushBytes(L, line, 0, line.length)
      return 1
    }
    _luaL_checkstack(L, top - first + 20, cstr("too many arguments"))
    let n = first
    let ok = true
    for (; n <= top && ok; n++) {
      if (_lua_type(L, n) === LuaType.Number) {
        const want = Number(_luaL_checkinteger(L, n))
        if (want === 0) {
          ok = stdio.fill()
          if (ok) pushBytes(L, new Uint8Array(0), 0, 0)
          else _lua_pushnil(L)
        } else {
          const got = stdio.take(want, -1, false)
          ok = got !== null
          if (got === null) _lua_pushnil(L)
          else pushBytes(L, got, 0, got.length)
        }
        continue
      }
      const fmt = checkBytes(L, n)
      const f = fmt[0] === 0x2a ? fmt[1] : fmt[0] // skip an optional '*' (5.3 style)
      switch (f) {
        case 0x6e: // n
          ok = readNumber(L)
          break
        case 0x6c: // l
        case 0x4c: {
          // L
          const line = stdio.take(Infinity, 10, f === 0x4c)
          ok = line !== null
          if (line === null) _lua_pushnil(L)
          else pushBytes(L, line, 0, line.length)
          break
        }
        case 0x61: {
          // a
          const all = stdio.take(Infinity, -1, false) ?? new Uint8Array(0)
          pushBytes(L, all, 0, all.length)
          break
        }
        default:
          return argError(L, n, "invalid format")
      }
    }
    return n - first
  }

  /** io.read(...): from the default input. */
  const ioRead = C((L) => {
    _lua_getfield(L, LUA_REGISTRYINDEX, cstr("_IO_input"))
    const isStdin = _lua_touserdata(L, -1) === stdinUd
    _lua_settop(L, -2)
    if (!isStdin) return delegate(L)
    return stdinRead(L, 1)
  })

  /** file:read(...) */
  const fileReadMethod = C((L) => {
    if (_lua_touserdata(L, 1) !== stdinUd) return delegate(L)
    return stdinRead(L, 2)
  })

  // ---- C functions: files, process -------------------------------------------------------

  const pathOf = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)

  /** File contents, or a Lua-style message ("cannot open x: No such file or directory"). */
  const readFile = (name: Uint8Array, display: string): Uint8Array | string => {
    try {
      return fs.readFileSync(pathOf(name))
    } catch (e) {
      const code = (e as { code?: string }).code
      return `cannot ${code === "EISDIR" ? "read" : "open"} ${display}: ${strerror(e)}`
    }
  }

  /**
   * luaL_loadfilex over bytes: skips a UTF-8 BOM and a first line starting with '#' (keeping its
   * newline so line numbers stay right), then loads text or binary as `mode` allows.
   */
  const loadChunk = (L: State, bytes: Uint8Array, chunkName: Uint8Array, mode: Ptr): number => {
    let start = 0
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3
    if (bytes[start] === 0x23) {
      // '#': skip the line; keep its '\n' unless a binary chunk follows
      while (start < bytes.length && bytes[start] !== 10) start++
      if (bytes[start + 1] === 0x1b) start++
    }
    const len = bytes.length - start
    const buf = _malloc(len + chunkName.length + 2)
    if (buf === 0) return raise(L, "not enough memory")
    em.HEAPU8.set(bytes.subarray(start), buf)
    const name = buf + len + 1
    em.HEAPU8.set(chunkName, name)
    em.HEAPU8[name + chunkName.length] = 0
    const status = _luaL_loadbufferx(L, buf, len, name, mode)
    _free(buf)
    return status
  }

  const at = utf8.encode("@")
  const prefixed = (prefix: Uint8Array, b: Uint8Array): Uint8Array => {
    const out = new Uint8Array(prefix.length + b.length)
    out.set(prefix)
    out.set(b, prefix.length)
    return out
  }
  const decoder = new TextDecoder()

  /** loadfile([filename [, mode [, env]]]) reading the real file system (or stdin). */
  const luaLoadfile = C((L) => {
    let bytes: Uint8Array
    let chunkName: Uint8Array
    if (_lua_type(L, 1) <= LuaType.Nil) {
      bytes = stdio.take(Infinity, -1, false) ?? new Uint8Array(0)
      chunkName = utf8.encode("=stdin")
    } else {
      const name = checkBytes(L, 1)
      const got = readFile(name, decoder.decode(name))
      if (typeof got === "string") {
        _lua_pushnil(L)
        pushText(L, got)
        return 2
      }
      bytes = got
      chunkName = prefixed(at, name)
    }
    let mode = 0
    if (_lua_type(L, 2) > LuaType.Nil) {
      const m = checkBytes(L, 2)
      mode = _malloc(m.length + 1)
      em.HEAPU8.set(m, mode)
      em.HEAPU8[mode + m.length] = 0
    }
    const status = loadChunk(L, bytes, chunkName, mode)
    if (mode !== 0) _free(mode)
    if (status === LUA_OK) {
      if (_lua_type(L, 3) !== LuaType.None) {
        _lua_pushvalue(L, 3)
        if (_lua_setupvalue(L, -2, 1) === 0) _lua_settop(L, -2)
      }
      return 1
    }
    _lua_pushnil(L)
    _lua_rotate(L, -2, 1)
    return 2
  })

  /** A path the searchers may open (lua's `readable`: fopen for reading succeeds). */
  const luaReadable = C((L) => {
    const name = checkBytes(L, 1)
    let ok = false
    try {
      fs.closeSync(fs.openSync(pathOf(name), "r"))
      ok = true
    } catch {
      ok = false
    }
    _lua_pushboolean(L, ok ? 1 : 0)
    return 1
  })

  /** os.getenv(name), from the environment the run was given. */
  const osGetenv = C((L) => {
    const name = decoder.decode(checkBytes(L, 1))
    const v = Object.prototype.hasOwnProperty.call(input.env, name) ? input.env[name] : undefined
    if (v === undefined) _lua_pushnil(L)
    else pushText(L, v)
    return 1
  })

  let mainState: State = 0


  /** os.exit([code [, close]]) as lua5.4: true -> 0, false -> 1, status & 0xff like exit(3). */
  /**
   * os.execute([command]): this runtime runs no processes. Like a C library whose system()
   * fails: no shell (`false`); a command gives `nil, "Function not implemented", 38` (ENOSYS).
   * (emscripten's own system() would try child_process.)
   */
  const osExecute = C((L) => {
    if (_lua_type(L, 1) <= LuaType.Nil) {
      _lua_pushboolean(L, 0)
      return 1
    }
    checkBytes(L, 1)
    _lua_pushnil(L)
    pushText(L, "Function not implemented")
    _lua_pushinteger(L, 38n)
    return 3
  })

  const osExit = C((L) => {
    let code: number
    if (_lua_type(L, 1) === LuaType.Boolean) code = _lua_toboolean(L, 1) ? 0 : 1
    else code = Number(BigInt.asUintN(8, _luaL_optinteger(L, 1, 0n)))
    if (_lua_toboolean(L, 2)) _lua_close(mainState)
    return finish(code)
  })

  // ---- host module -----------------------------------------------------------------------

  const hostFunctions = input.hostNames.map((_, id) => C((L) => hostCall(L, id, 1)))

  /** host.call(name, ...) */
  const hostCallByName = C((L) => {
    const name = decoder.decode(checkBytes(L, 1))
    const id = hostIds.get(name)
    if (id === undefined) return argError(L, 1, `no host function '${name}' is registered`)
    return hostCall(L, id, 2)
  })

  // ---- lua.c -----------------------------------------------------------------------------

  const progName = utf8.encode(input.progName)

  /** l_message: "progname: msg\n" on stderr. */
  const report = (L: State): void => {
    const msg = stringView(L, -1).slice()
    emit(2, concat([progName, utf8.encode(": "), msg, NL], progName.length + 2 + msg.length + 1))
    _lua_settop(L, -2)
  }

  /** lua.c's msghandler: a string (or __tostring) message plus a traceback. */
  const msgHandler = C((L) => {
    let msg = _lua_tolstring(L, 1, 0)
    if (msg === 0) {
      if (_luaL_callmeta(L, 1, cstr("__tostring")) && _lua_type(L, -1) === LuaType.String) return 1
      pushText(L, `(error object is a ${typeName(_lua_type(L, 1))} value)`)
      msg = _lua_tolstring(L, -1, 0)
    }
    _luaL_traceback(L, L, msg, 1)
    if (co0 !== 0) hideStandIns(L)
    return 1
  })

  /**
   * Main thread: the frames of the yieldable stand-ins (yieldable.ts) out of the traceback string
   * on top of the stack. A stand-in is a C closure (listed as lua5.4 lists the C function, e.g.
   * "[C]: in function 'require'") around a stripped Lua function named "=[C]", whose own frame
   * reads "[C]: in function <[C]:N>"; an error it raises goes through `error`, whose frame C
   * functions do not have.
   */
  const hideStandIns = (L: State): void => {
    const text = Buffer.from(stringView(L, -1)).toString("latin1")
    if (!text.includes("[C]: in function <[C]:")) return
    const kept = text.replace(/\n\t\[C\]: in function 'error'(?=\n\t\[C\]: in function <\[C\]:\d+>)/g, "").replace(/\n\t\[C\]: in function <\[C\]:\d+>/g, "")
    _lua_settop(L, -2)
    const bytes = Buffer.from(kept, "latin1")
    pushBytes(L, bytes, 0, bytes.length)
  }

  /** Main thread: debug.traceback as lua5.4's db_traceback, without the stand-ins' frames. */
  const debugTraceback = C((L) => {
    let arg = 0
    let L1 = L
    if (_lua_type(L, 1) === LuaType.Thread) {
      arg = 1
      L1 = _lua_tothread(L, 1)
    }
    const msg = _lua_tolstring(L, arg + 1, 0)
    if (msg === 0 && _lua_type(L, arg + 1) > 0) {
      _lua_pushvalue(L, arg + 1) // a non-string message is returned untouched
      return 1
    }
    const level = Number(_luaL_optinteger(L, arg + 2, L === L1 ? 1n : 0n))
    _luaL_traceback(L, L1, msg, level)
    hideStandIns(L)
    return 1
  })

  let scriptStatus = LUA_OK

  /** lua.c's pmain/handle_script: load, push arguments, call under the message handler. */
  const pmain = C((L) => {
    const script = input.script
    let status: number
    if ("file" in script) {
      const name = utf8.encode(script.file)
      const got = script.file === "-" ? (stdio.take(Infinity, -1, false) ?? new Uint8Array(0)) : readFile(name, script.file)
      if (typeof got === "string") {
        pushText(L, got)
        status = 1
      } else status = loadChunk(L, got, script.file === "-" ? utf8.encode("=stdin") : prefixed(at, name), 0)
    } else status = loadChunk(L, script.source, utf8.encode(script.chunkName), 0)
    if (status === LUA_OK) {
      _luaL_checkstack(L, input.args.length + 3, cstr("too many arguments to script"))
      for (const a of input.args) pushText(L, a)
      const base = _lua_gettop(L) - input.args.length
      _lua_pushcclosure(L, msgHandler, 0)
      _lua_rotate(L, base, 1)
      // with a continuation, so that the script may yield to the main-thread driver
      status = _lua_pcallk(L, input.args.length, LUA_MULTRET, base, base, pmainK)
      return afterScript(L, status, base)
    }
    report(L)
    scriptStatus = status
    return 0
  })
  const afterScript = (L: State, status: number, base: number): number => {
    _lua_rotate(L, base, -1)
    _lua_settop(L, -2)
    if (status !== LUA_OK) report(L)
    scriptStatus = status
    return 0
  }
  /** pmain after its script yielded (the pcall's continuation: LUA_YIELD means it returned). */
  const pmainK = K((L, status, base) => afterScript(L, status === LUA_YIELD ? LUA_OK : status, base))

  /** The global `arg`: arg[-1] = progname, arg[0] = script, arg[1..] = arguments. */
  const createArgTable = (L: State): void => {
    const scriptName = "file" in input.script ? input.script.file : input.script.scriptName
    _lua_createtable(L, input.args.length, 2)
    pushText(L, input.progName)
    _lua_rawseti(L, -2, -1n)
    pushText(L, scriptName)
    _lua_rawseti(L, -2, 0n)
    input.args.forEach((a, i) => {
      pushText(L, a)
      _lua_rawseti(L, -2, BigInt(i + 1))
    })
    _lua_setglobal(L, cstr("arg"))
  }

  const install = (L: State): void => {
    _lua_pushcclosure(L, luaPrint, 0)
    _lua_setglobal(L, cstr("print"))
    _lua_pushcclosure(L, luaLoadfile, 0)
    _lua_setglobal(L, cstr("loadfile"))

    _lua_getglobal(L, cstr("io"))
    const io = _lua_gettop(L)
    _lua_getfield(L, io, cstr("stdin"))
    stdinUd = _lua_touserdata(L, -1)
    _lua_getfield(L, io, cstr("stdout"))
    stdoutUd = _lua_touserdata(L, -1)
    _lua_getfield(L, io, cstr("stderr"))
    stderrUd = _lua_touserdata(L, -1)
    _lua_settop(L, io)
    // io.write / io.read keep the originals as upvalue 1 (for files other than the std ones)
    _lua_getfield(L, io, cstr("write"))
    setField(L, io, "write", ioWrite, 1)
    _lua_getfield(L, io, cstr("read"))
    setField(L, io, "read", ioRead, 1)
    _lua_getfield(L, io, cstr("flush"))
    setField(L, io, "flush", flushThenDelegate, 1)
    // methods live in the LUA_FILEHANDLE metatable's __index
    _lua_getfield(L, LUA_REGISTRYINDEX, cstr("FILE*"))
    _lua_getfield(L, -1, cstr("__index"))
    const methods = _lua_gettop(L)
    _lua_getfield(L, methods, cstr("write"))
    setField(L, methods, "write", fileWriteMethod, 1)
    _lua_getfield(L, methods, cstr("read"))
    setField(L, methods, "read", fileReadMethod, 1)
    _lua_getfield(L, methods, cstr("flush"))
    setField(L, methods, "flush", flushThenDelegate, 1)
    _lua_getfield(L, methods, cstr("setvbuf"))
    setField(L, methods, "setvbuf", fileSetvbufMethod, 1)
    _lua_settop(L, io - 1)

    _lua_getglobal(L, cstr("os"))
    setField(L, -1, "exit", osExit)
    setField(L, -1, "getenv", osGetenv)
    setField(L, -1, "execute", osExecute)
    _lua_settop(L, -2)

    createArgTable(L)
  }

  /**
   * host.cfunction(f): `f` wrapped in a C closure that calls it with all its arguments and
   * returns all its results. A C function keeps its caller's frame even when called in tail
   * position, so a library function written in Lua and wrapped this way sees (at level 2)
   * the call as the script made it, and raises errors (at level 3) with the script's
   * position, as the C libraries' functions do.
   */
  const callUpvalue = (L: State): number => {
    const n = _lua_gettop(L)
    _lua_pushvalue(L, upvalueIndex(1))
    _lua_rotate(L, 1, 1)
    _lua_callk(L, n, LUA_MULTRET, 0, trampolineK)
    return _lua_gettop(L)
  }
  const trampoline = C(callUpvalue)
  /** The trampoline after its function yielded (a host call waiting on the main thread). */
  const trampolineK = K((L) => _lua_gettop(L))

  const makeCFunction = C((L) => {
    if (_lua_type(L, 1) !== LuaType.Function) return argError(L, 1, `function expected, got ${typeName(_lua_type(L, 1))}`)
    _lua_settop(L, 1)
    _lua_pushcclosure(L, trampoline, 1)
    return 1
  })

  /**
   * Main thread: `print` as a C closure around the yieldable Lua stand-in (yieldable.ts) that
   * calls it only when an argument has a `__tostring` metamethod (which may call a function
   * that waits); otherwise it prints as the C print does, without entering Lua.
   */
  const TOSTRING = cstr("__tostring")
  const printStandIn = C((L) => {
    const n = _lua_gettop(L)
    for (let i = 1; i <= n; i++) {
      if (_luaL_getmetafield(L, i, TOSTRING) !== LuaType.Nil) {
        _lua_settop(L, n)
        return callUpvalue(L)
      }
    }
    return printArgs(L)
  })
  /** Main thread: `tostring` likewise: the C tostring's work unless the argument has `__tostring` (or is missing). */
  const tostringStandIn = C((L) => {
    const n = _lua_gettop(L)
    if (n >= 1) {
      if (_luaL_getmetafield(L, 1, TOSTRING) === LuaType.Nil) {
        _luaL_tolstring(L, 1, 0)
        return 1
      }
      _lua_settop(L, n)
    }
    return callUpvalue(L)
  })
  /** makeStandIn(kind, f): the C closure for print ("p") or tostring ("t") around the Lua stand-in f. */
  const makeStandIn = C((L) => {
    const kind = _lua_tolstring(L, 1, 0)
    const isPrint = kind !== 0 && em.HEAPU8[kind] === 0x70 // "p"
    _lua_settop(L, 2)
    _lua_pushcclosure(L, isPrint ? printStandIn : tostringStandIn, 1)
    return 1
  })

  /**
   * host.gettime(): seconds since the epoch, microsecond resolution (LuaSocket's gettimeofday),
   * read here: socket.gettime needs no host call.
   */
  const getTime = C((L) => {
    _lua_pushnumber(L, Math.round((performance.timeOrigin + performance.now()) * 1000) / 1e6)
    return 1
  })

  /** host.newuserdata(): an empty full userdata, for library objects (LuaSocket's are userdata). */
  const newUserdata = C((L) => {
    _lua_newuserdatauv(L, 0, 0)
    return 1
  })

  /** The `luasock.host` module table: name -> function, plus call(name, ...), cfunction(f) and newuserdata(). */
  const pushHostTable = (L: State): void => {
    _lua_createtable(L, 0, input.hostNames.length + 1)
    input.hostNames.forEach((name, id) => {
      _lua_pushcclosure(L, hostFunctions[id]!, 0)
      pushText(L, name)
      _lua_rotate(L, -2, 1)
      _lua_rawset(L, -3)
    })
    setField(L, -1, "call", hostCallByName)
    setField(L, -1, "cfunction", makeCFunction)
    setField(L, -1, "newuserdata", newUserdata)
    setField(L, -1, "gettime", getTime)
  }

  const defaultPath = (): string => {
    const templates = ["./?.lua", "./?/init.lua"]
    if ("file" in input.script && input.script.file !== "-") {
      const dir = path.dirname(input.script.file)
      if (dir !== ".") templates.push(`${dir}/?.lua`, `${dir}/?/init.lua`)
    }
    return templates.join(";")
  }

  const runPrelude = (L: State): void => {
    const src = utf8.encode(prelude)
    if (loadChunk(L, src, utf8.encode("=luasock"), 0) !== LUA_OK) throw new Error(`prelude: ${decoder.decode(stringView(L, -1))}`)
    pushHostTable(L)
    _lua_pushcclosure(L, luaReadable, 0)
    pushText(L, input.builtinDir)
    pushText(L, defaultPath())
    if (_lua_pcallk(L, 4, 0, 0, 0, 0) !== LUA_OK) throw new Error(`prelude: ${decoder.decode(stringView(L, -1))}`)
  }

  /** Main thread: the yieldable Lua stand-ins for require, tostring, print, table.sort, string.gsub (yieldable.ts). */
  const installYieldable = (L: State): void => {
    if (loadChunk(L, utf8.encode(yieldable.installSource), utf8.encode("=luasock"), 0) !== LUA_OK) {
      throw new Error(`yieldable: ${decoder.decode(stringView(L, -1))}`)
    }
    for (const src of yieldable.args) pushText(L, src)
    _lua_pushcclosure(L, makeCFunction, 0)
    _lua_pushcclosure(L, debugTraceback, 0)
    _lua_pushcclosure(L, makeStandIn, 0)
    if (_lua_pcallk(L, yieldable.args.length + 3, 0, 0, 0, 0) !== LUA_OK) throw new Error(`yieldable: ${decoder.decode(stringView(L, -1))}`)
  }

  const newState = (): State => {
    const L = _luaL_newstate()
    if (L === 0) throw new Error("cannot create a Lua state (out of memory)")
    mainState = L
    _luaL_openlibs(L)
    install(L)
    return L
  }

  /** Worker: the whole script, blocking on each host call. */
  const runBlocking = (): number => {
    const L = newState()
    runPrelude(L)
    post({ kind: "ready" })
    _lua_pushcclosure(L, pmain, 0)
    const status = _lua_pcallk(L, 0, 0, 0, 0, 0)
    if (status !== LUA_OK) report(L) // pmain itself failed (e.g. out of memory)
    _lua_close(L)
    return status === LUA_OK && scriptStatus === LUA_OK ? 0 : 1
  }

  /** Main thread: runs co0 until it ends or yields for a host call. */
  const step = (): number | Pending => {
    const status = _lua_resume(co0, mainState, 0, nresPtr)
    if (status === LUA_YIELD) {
      const reply = pending
      pending = undefined
      if (reply !== undefined) return { reply }
      // nothing else yields co0 (coroutine.yield refuses to): a runtime bug
      emit(2, utf8.encode(`${input.progName}: the script yielded to the runtime without a host call\n`))
      return 1
    }
    if (status !== LUA_OK) report(co0) // pmain itself failed (e.g. out of memory)
    _lua_close(mainState)
    return status === LUA_OK && scriptStatus === LUA_OK ? 0 : 1
  }

  const startInline = (): number | Pending => {
    const L = newState()
    installCoroutines(L)
    runPrelude(L)
    installYieldable(L)
    post({ kind: "ready" })
    co0 = _lua_newthread(L) // stays on L's stack: anchored
    _lua_pushcclosure(co0, pmain, 0)
    return step()
  }

  const resume = (reply: Reader | DirectReply): number | Pending => {
    settled = reply
    return step()
  }

  return { runBlocking, startInline, resume, finish, emit }
}
