/**
 * Derives facades from a `FacadeSpec`: the one `invoke` every call goes through (class
 * check, argument decoding with Lua's messages, the entry's `run`), the TypeScript
 * namespace and object methods, and the dispatch the Lua runtime's host functions use.
 * No facade method is written by hand: each is `invoke` applied to its spec entry.
 *
 * @since 0.1.0
 */
import { ArgError, type Env, FacadeObject, type FacadeSpec, type Fn, LuaRaise, PlainRaise, type Results } from "./spec.js"

/** Lookup tables of a spec (functions by dotted name, methods by type then name, aliases included). @since 0.1.0 */
export interface Index {
  readonly spec: FacadeSpec
  readonly functions: ReadonlyMap<string, Fn<undefined>>
  readonly methods: ReadonlyMap<string, ReadonlyMap<string, Fn<any>>>
  /** Class name -> object type name. */
  readonly typeOfClass: ReadonlyMap<string, string>
  /** Class or group name -> the classes it admits. */
  readonly admits: ReadonlyMap<string, ReadonlySet<string>>
}

const indexes = new WeakMap<FacadeSpec, Index>()

/** The spec's lookup tables; throws on an inconsistent spec (unknown class, duplicate name). @since 0.1.0 */
export const indexOf = (spec: FacadeSpec): Index => {
  const cached = indexes.get(spec)
  if (cached) return cached
  const typeOfClass = new Map<string, string>()
  const admits = new Map<string, ReadonlySet<string>>()
  const methods = new Map<string, Map<string, Fn<any>>>()
  for (const t of spec.types) {
    methods.set(t.name, new Map())
    for (const c of t.classes) {
      typeOfClass.set(c, t.name)
      admits.set(c, new Set([c]))
    }
    for (const [g, cs] of Object.entries(t.groups)) {
      typeOfClass.set(g, t.name)
      admits.set(g, new Set(cs))
    }
  }
  for (const m of spec.methods) {
    const t = m.self === undefined ? undefined : typeOfClass.get(m.self)
    if (t === undefined) throw new Error(`${spec.name}: method ${m.name} names unknown class ${m.self}`)
    const table = methods.get(t)!
    for (const n of [m.name, ...(m.aliases ?? [])]) {
      if (table.has(n)) throw new Error(`${spec.name}: ${t}.${n} defined twice`)
      table.set(n, m)
    }
  }
  const functions = new Map<string, Fn<undefined>>()
  for (const f of spec.functions) {
    for (const n of [f.name, ...(f.aliases ?? [])]) {
      if (functions.has(n)) throw new Error(`${spec.name}: function ${n} defined twice`)
      functions.set(n, f)
    }
  }
  const index: Index = { spec, functions, methods, typeOfClass, admits }
  indexes.set(spec, index)
  return index
}

/** The short name Lua reports for a function (`toip` for `dns.toip`). */
const shortName = (name: string): string => name.slice(name.lastIndexOf(".") + 1)

/**
 * Calls one entry: checks `self`, decodes the arguments, runs. Lua errors are thrown as
 * `LuaRaise`; results may be synchronous or a Promise.
 *
 * @since 0.1.0
 */
export const invoke = (index: Index, fn: Fn<any>, self: unknown, args: ReadonlyArray<unknown>, env: Env): Results | Promise<Results> => {
  const method = fn.self !== undefined
  const name = shortName(fn.name)
  if (method) {
    const ok = self instanceof FacadeObject && index.admits.get(fn.self!)?.has(self.className) === true
    if (!ok) throw new LuaRaise(name, `${fn.self} expected`, 1, true)
  }
  const offset = method ? 2 : 1
  const params = fn.params
  const decoded: Array<unknown> = new Array(params.length)
  for (let i = 0; i < params.length; i++) {
    try {
      decoded[i] = params[i]!.decode(args[i], i < args.length)
    } catch (e) {
      if (e instanceof ArgError) throw new LuaRaise(name, e.reason, i + offset, method)
      throw e
    }
  }
  if (fn.varargs) for (let i = params.length; i < args.length; i++) decoded.push(args[i])
  try {
    const r = fn.run(self, decoded, env)
    const n = fn.arity
    if (r instanceof Promise) return r.then(n === undefined ? undefined : (x) => pad(x, n), (e) => Promise.reject(translate(e, name, method)))
    return n === undefined ? r : pad(r, n)
  } catch (e) {
    throw translate(e, name, method)
  }
}

const pad = (r: Results, n: number): Results => {
  if (r.length >= n) return r
  const out = r.slice()
  while (out.length < n) out.push(undefined)
  return out
}

/** `ArgError` thrown by `run` for argument `at` (0-based param index) -> `LuaRaise`; `PlainRaise` likewise. */
const translate = (e: unknown, name: string, method: boolean): unknown => {
  if (e instanceof ArgPositionError) return new LuaRaise(name, e.reason, e.at + (method ? 2 : 1), method)
  if (e instanceof PlainRaise) return new LuaRaise(name, e.reason, undefined, method, e.bare)
  return e
}

/** An argument error found by `run` (after decoding): `at` is the 0-based param index. @since 0.1.0 */
export class ArgPositionError extends ArgError {
  constructor(readonly at: number, reason: string) {
    super(reason)
  }
}

// ---- TypeScript facade ------------------------------------------------------------------

/** Calls an entry the TypeScript way: waiting entries always give a Promise. */
const tsCall = (index: Index, fn: Fn<any>, self: unknown, args: ReadonlyArray<unknown>, env: Env): unknown => {
  if (!fn.waits) {
    const r = invoke(index, fn, self, args, env)
    if (r instanceof Promise) throw new Error(`${index.spec.name}.${fn.name} is not marked waits but returned a Promise`)
    return r
  }
  try {
    return Promise.resolve(invoke(index, fn, self, args, env))
  } catch (e) {
    return Promise.reject(e)
  }
}

const installed = new WeakMap<object, FacadeSpec>()

/**
 * Puts every method of `typeName` on `proto` (a facade object class's prototype), each
 * one `invoke` of its entry. Idempotent per prototype.
 *
 * @since 0.1.0
 */
export const installMethods = (spec: FacadeSpec, typeName: string, proto: object): void => {
  if (installed.get(proto) === spec) return
  const index = indexOf(spec)
  const table = index.methods.get(typeName)
  if (table === undefined) throw new Error(`${spec.name}: no object type ${typeName}`)
  for (const [name, fn] of table) {
    if (fn.hidden) continue
    Object.defineProperty(proto, name, {
      configurable: true,
      writable: true,
      enumerable: false,
      value: function(this: FacadeObject, ...args: Array<unknown>) {
        return tsCall(index, fn, this, args, this.env)
      }
    })
  }
  installed.set(proto, spec)
}

/**
 * The namespace object of a facade: constants and functions (dotted names in sub-tables,
 * e.g. `socket.dns.toip`), each function `invoke` of its entry in `env`.
 *
 * @since 0.1.0
 */
export const namespace = (spec: FacadeSpec, env: Env): Record<string, unknown> => {
  const index = indexOf(spec)
  const ns: Record<string, unknown> = {}
  const place = (path: string, value: unknown) => {
    const parts = path.split(".")
    let t = ns
    for (const p of parts.slice(0, -1)) t = (t[p] ??= {}) as Record<string, unknown>
    t[parts[parts.length - 1]!] = value
  }
  for (const c of spec.constants) place(c.name, c.value)
  for (const [name, fn] of index.functions) if (!fn.hidden) place(name, (...args: Array<unknown>) => tsCall(index, fn, undefined, args, env))
  return ns
}

/** Every object a TypeScript facade creates is the caller's to close: nothing to adopt. @since 0.1.0 */
export const tsEnv = (codec: Env["codec"]): Env => ({ codec, adopt: () => {} })
