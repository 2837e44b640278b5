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
 * What `invoke` needs of an entry, worked out once per entry and index (not per call): the
 * short name, whether it is a method, the classes its `self` admits, the decoders, the arity.
 */
interface Compiled {
  readonly index: Index
  readonly fn: Fn<any>
  readonly name: string
  readonly method: boolean
  /** The classes `self` may have (methods only). */
  readonly admits: ReadonlySet<string> | undefined
  readonly decoders: ReadonlyArray<(value: unknown, present: boolean) => unknown>
  /** 1-based position of the first param in Lua's count (`self` is #1 of a method). */
  readonly offset: number
  readonly varargs: boolean
  readonly arity: number | undefined
  /** `pad` to `arity`, made once. */
  readonly padResults: ((r: Results) => Results) | undefined
  /** Rejection of a Promise result: Lua's raise of what `run` rejected with. */
  readonly onReject: (e: unknown) => Promise<never>
}

const compiledEntries = new WeakMap<Fn<any>, Compiled>()

const compile = (index: Index, fn: Fn<any>): Compiled => {
  const cached = compiledEntries.get(fn)
  if (cached !== undefined && cached.index === index) return cached
  const name = shortName(fn.name)
  const method = fn.self !== undefined
  const arity = fn.arity
  const c: Compiled = {
    index,
    fn,
    name,
    method,
    admits: method ? index.admits.get(fn.self!) : undefined,
    decoders: fn.params.map((p) => p.decode),
    offset: method ? 2 : 1,
    varargs: fn.varargs === true,
    arity,
    padResults: arity === undefined ? undefined : (r) => pad(r, arity),
    onReject: (e) => Promise.reject(translate(e, name, method))
  }
  compiledEntries.set(fn, c)
  return c
}

/**
 * Calls one entry: checks `self`, decodes the arguments, runs. Lua errors are thrown as
 * `LuaRaise`; results may be synchronous or a Promise.
 *
 * @since 0.1.0
 */
export const invoke = (index: Index, fn: Fn<any>, self: unknown, args: ReadonlyArray<unknown>, env: Env): Results | Promise<Results> =>
  call(compile(index, fn), self, args, env)

/** `invoke` of a compiled entry. */
const call = (c: Compiled, self: unknown, args: ReadonlyArray<unknown>, env: Env): Results | Promise<Results> => {
  if (c.method && !(self instanceof FacadeObject && c.admits?.has(self.className) === true)) throw new LuaRaise(c.name, `${c.fn.self} expected`, 1, true)
  const decoders = c.decoders
  const n = decoders.length
  const given = args.length
  const decoded: Array<unknown> = new Array(c.varargs && given > n ? given : n)
  let i = 0
  try {
    for (; i < n; i++) decoded[i] = decoders[i]!(args[i], i < given)
  } catch (e) {
    if (e instanceof ArgError) throw new LuaRaise(c.name, e.reason, i + c.offset, c.method)
    throw e
  }
  if (c.varargs) for (; i < given; i++) decoded[i] = args[i]
  let r: Results | Promise<Results>
  try {
    r = c.fn.run(self, decoded, env)
  } catch (e) {
    throw translate(e, c.name, c.method)
  }
  const padResults = c.padResults
  if (r instanceof Promise) return r.then(padResults, c.onReject)
  return padResults === undefined ? r : padResults(r)
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
const tsCall = (c: Compiled, self: unknown, args: ReadonlyArray<unknown>, env: Env): unknown => {
  if (!c.fn.waits) {
    const r = call(c, self, args, env)
    if (r instanceof Promise) throw new Error(`${c.index.spec.name}.${c.fn.name} is not marked waits but returned a Promise`)
    return r
  }
  try {
    const r = call(c, self, args, env)
    return r instanceof Promise ? r : Promise.resolve(r)
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
    const c = compile(index, fn)
    Object.defineProperty(proto, name, {
      configurable: true,
      writable: true,
      enumerable: false,
      value: function(this: FacadeObject, ...args: Array<unknown>) {
        return tsCall(c, this, args, this.env)
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
  for (const [name, fn] of index.functions) {
    if (fn.hidden) continue
    const c = compile(index, fn)
    place(name, (...args: Array<unknown>) => tsCall(c, undefined, args, env))
  }
  return ns
}

/** Every object a TypeScript facade creates is the caller's to close: nothing to adopt. @since 0.1.0 */
export const tsEnv = (codec: Env["codec"]): Env => ({ codec, adopt: () => {} })
