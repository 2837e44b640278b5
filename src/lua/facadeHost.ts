/**
 * The facades as host functions of the Lua runtime, derived from the same specs as the
 * TypeScript facades (src/facade): one host function per spec entry, each `invoke` of
 * that entry with the `rawBytes` codec, so Lua strings stay bytes end to end.
 *
 * Protocol with `lua/luasock/facade.lua` (which builds the Lua modules from `meta`):
 * - a call returns `n, r1, ..., rn` (more than 5 results: `n, {n = n, ...}`); a Lua error
 *   the library raises returns `-1, reason, arg, name` and the Lua wrapper raises it with
 *   Lua 5.4's own `luaL_argerror` wording for the way it was called (method or not) and the
 *   caller's position;
 * - a method's first argument is the object's id (`false` when `self` is not an object of
 *   this facade: the entry then raises "bad self");
 * - objects in results travel as `{__sock = id, __type = "tcp"}` and become the script's
 *   proxy tables; objects in argument tables travel the same way back;
 * - numbers are Lua floats, except result positions the spec marks `ints` and, in facades
 *   whose `numbers` is "int", every integral number (LuaSocket pushes floats: `5.0`).
 *
 * Every object a script creates is closed when the script ends, however it ends.
 *
 * @since 0.1.0
 */
import { facades } from "../facade/all.js"
import { indexOf, invoke } from "../facade/derive.js"
import { type Env, FacadeObject, type FacadeSpec, type Fn, LuaRaise, rawBytes, type Results, withCancel } from "../facade/spec.js"
import type { HostContext, HostFunction, LuaValue } from "./Host.js"

/** Per-script objects: ids both ways. */
interface Objects {
  readonly byId: Map<number, FacadeObject>
  readonly ids: WeakMap<FacadeObject, number>
  next: number
  readonly env: Env
}

const OBJECTS = Symbol("facade objects")

const objectsOf = (ctx: HostContext): Objects => {
  let o = ctx.state.get(OBJECTS) as Objects | undefined
  if (o !== undefined) return o
  const byId = new Map<number, FacadeObject>()
  const ids = new WeakMap<FacadeObject, number>()
  const created: Objects = {
    byId,
    ids,
    next: 1,
    env: {
      codec: rawBytes,
      adopt: (obj) => {
        const id = created.next++
        byId.set(id, obj)
        ids.set(obj, id)
      }
    }
  }
  ctx.onExit(() => {
    for (const obj of byId.values()) {
      try {
        obj.dispose()
      } catch {
        // closing is best effort at script end
      }
    }
    byId.clear()
  })
  ctx.state.set(OBJECTS, created)
  o = created
  return o
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !(v instanceof Uint8Array) && !Array.isArray(v)

/** Lua argument tables: `{__sock = id}` records become the objects. */
const fromLua = (v: unknown, objs: Objects, depth = 0): unknown => {
  if (typeof v !== "object" || v === null || v instanceof Uint8Array || depth > 8) return v
  if (Array.isArray(v)) return v.map((x) => fromLua(x, objs, depth + 1))
  const r = v as Record<string, unknown>
  if (r.__sock !== undefined) return objs.byId.get(Number(r.__sock)) ?? r
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(r)) out[k] = fromLua(r[k], objs, depth + 1)
  return out
}

/** Results to Lua values (objects to records, number subtypes). */
const toLua = (v: unknown, objs: Objects, intsAll: boolean, depth = 0, intFields?: ReadonlyArray<string>): LuaValue => {
  switch (typeof v) {
    case "number":
      return intsAll && Number.isInteger(v) ? BigInt(v) : v
    case "undefined":
    case "boolean":
    case "string":
    case "bigint":
      return v
    case "function":
      throw new Error("a facade function returned a function to Lua (should be luaNative)")
    default:
      if (v === null || v instanceof Uint8Array) return v
      if (v instanceof FacadeObject) {
        let id = objs.ids.get(v)
        if (id === undefined) {
          objs.env.adopt(v)
          id = objs.ids.get(v)!
        }
        const record: Record<string, LuaValue> = { __sock: BigInt(id), __type: v.typeName, __class: v.className }
        for (const f of fieldsOf(v)) record[f] = toLua((v as unknown as Record<string, unknown>)[f], objs, intsAll, depth + 1)
        return record
      }
      if (depth > 16) throw new Error("facade result nested too deeply")
      if (Array.isArray(v)) return v.map((x) => toLua(x, objs, intsAll, depth + 1))
      if (isRecord(v)) {
        const out: Record<string, LuaValue> = {}
        for (const k of Object.keys(v)) out[k] = toLua(v[k], objs, intsAll || intFields?.includes(k) === true, depth + 1, intFields)
        return out
      }
      return String(v)
  }
}

/** Data fields (lunatik's `type` / `proto`) of an object's type, copied into its Lua proxy. */
const fieldNames = new Map<string, ReadonlyArray<string>>()
const fieldsOf = (o: FacadeObject): ReadonlyArray<string> => fieldNames.get(o.typeName) ?? []

const encode = (fn: Fn<any>, spec: FacadeSpec, r: Results, objs: Objects): Array<LuaValue> => {
  const intsAll = spec.numbers === "int"
  const out: Array<LuaValue> = new Array(r.length + 1)
  out[0] = BigInt(r.length)
  for (let i = 0; i < r.length; i++) {
    const v = r[i]
    out[i + 1] = typeof v === "number" && fn.ints?.includes(i) === true ? BigInt(v) : toLua(v, objs, intsAll, 0, fn.intFields)
  }
  if (r.length > 5) {
    const packed: Record<string, LuaValue> = { n: BigInt(r.length) }
    for (let i = 0; i < r.length; i++) packed[String(i + 1)] = out[i + 1]
    return [BigInt(r.length), packed]
  }
  return out
}

const raise = (e: LuaRaise): Array<LuaValue> => [-1n, e.reason, e.arg === undefined ? undefined : BigInt(e.arg), e.fn, e.bare]

/** Whether an entry's arguments may hold objects (tables: select's lists). */
const takesTables = (fn: Fn<any>): boolean => fn.params.some((p) => p.type.split("|").includes("table") || p.type.includes("{"))

const hostFor = (spec: FacadeSpec, fn: Fn<any>, method: boolean): HostFunction => {
  const index = indexOf(spec)
  const tables = takesTables(fn)
  return (args, ctx) => {
    const objs = objectsOf(ctx)
    let self: unknown
    let rest: ReadonlyArray<unknown> = args
    if (method) {
      const id = args[0]
      self = typeof id === "number" || typeof id === "bigint" ? objs.byId.get(Number(id)) : undefined
      rest = args.slice(1)
    }
    if (tables) rest = rest.map((a) => fromLua(a, objs))
    const onRaise = (e: unknown): Array<LuaValue> => {
      if (e instanceof LuaRaise) return raise(e)
      throw e
    }
    const settle = (r: Results | Promise<Results>): Array<LuaValue> | Promise<Array<LuaValue>> =>
      r instanceof Promise ? r.then((x) => encode(fn, spec, x, objs), onRaise) : encode(fn, spec, r, objs)
    try {
      const { cancel, value: r, wouldBlock } = withCancel(() => invoke(index, fn, self, rest, objs.env))
      if (wouldBlock && ctx.thread === "main") {
        // A non-blocking call found nothing to do. The script shares this thread's event loop,
        // which runs only while the script waits: let it run once and try again, as a script
        // in a thread of its own (or in C) would find whatever I/O has happened meanwhile.
        return new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
          try {
            return settle(invoke(index, fn, self, rest, objs.env))
          } catch (e) {
            return onRaise(e)
          }
        })
      }
      if (r instanceof Promise && cancel !== undefined) ctx.cancelable(cancel)
      return settle(r)
    } catch (e) {
      return onRaise(e)
    }
  }
}

/** What `lua/luasock/facade.lua` needs to build a facade's module. */
const metaOf = (spec: FacadeSpec): LuaValue => {
  const index = indexOf(spec)
  const fnMeta = (name: string, fn: Fn<any>) => ({
    name,
    objects: fn.returns.some((r) => r.type.split("|").some((t) => index.typeOfClass.has(t) || t === "table")),
    native: fn.luaNative === true
  })
  const constants: Record<string, LuaValue> = {}
  for (const c of spec.constants) {
    // dotted table constants (headers.canonic) belong to other Lua modules (socket.headers);
    // dotted scalars (inet's sock.STREAM, nixio's const.*) are placed in sub-tables
    if (c.name.includes(".") && typeof c.value === "object") continue
    if (typeof c.value === "string" || typeof c.value === "boolean") constants[c.name] = c.value
    else if (typeof c.value === "number") constants[c.name] = spec.numbers === "int" && Number.isInteger(c.value) ? BigInt(c.value) : Number.isInteger(c.value) ? BigInt(c.value) : c.value
    else if (isRecord(c.value) && Object.values(c.value).every((x) => typeof x === "number" || typeof x === "string")) {
      constants[c.name] = Object.fromEntries(Object.entries(c.value).map(([k, x]) => [k, typeof x === "number" && Number.isInteger(x) ? BigInt(x) : (x as LuaValue)]))
    }
  }
  const types: Record<string, LuaValue> = {}
  const classes: Record<string, LuaValue> = {}
  for (const t of spec.types) {
    types[t.name] = [...index.methods.get(t.name)!].filter(([, fn]) => fn.hidden !== true).map(([name, fn]) => fnMeta(name, fn))
    classes[t.name] = { classes: t.classes.slice(), groups: Object.fromEntries(Object.entries(t.groups).map(([g, cs]) => [g, cs.slice()])) }
  }
  return {
    name: spec.name,
    module: spec.module,
    constants,
    functions: [...index.functions].map(([name, fn]) => fnMeta(name, fn)),
    types,
    classes
  }
}

/**
 * The host functions of every facade (`<facade>.<function>`, `<facade>:<type>.<method>`),
 * plus `facade.meta`, `facade.tostring` and `facade.release`.
 *
 * @since 0.1.0
 */
export const facadeHosts = (): Map<string, HostFunction> => {
  const m = new Map<string, HostFunction>()
  const specs = new Map<string, FacadeSpec>(facades.map((f) => [f.spec.name, f.spec]))
  for (const spec of specs.values()) {
    const index = indexOf(spec)
    for (const t of spec.types) if (t.fields !== undefined) fieldNames.set(t.name, t.fields.map((f) => f.name))
    for (const [name, fn] of index.functions) if (!fn.luaNative) m.set(`${spec.name}.${name}`, hostFor(spec, fn, false))
    for (const [typeName, table] of index.methods) for (const [name, fn] of table) m.set(`${spec.name}:${typeName}.${name}`, hostFor(spec, fn, true))
  }
  m.set("facade.meta", (args) => {
    const name = typeof args[0] === "string" ? args[0] : args[0] instanceof Uint8Array ? Buffer.from(args[0]).toString() : ""
    const spec = specs.get(name)
    if (spec === undefined) return [undefined, `no facade named ${name}`]
    return [metaOf(spec)]
  })
  m.set("facade.tostring", (args, ctx) => {
    const obj = objectsOf(ctx).byId.get(Number(args[0]))
    return [obj === undefined ? "released object: 0x0" : obj.tostring()]
  })
  m.set("facade.class", (args, ctx) => [objectsOf(ctx).byId.get(Number(args[0]))?.className])
  m.set("facade.byfd", (args, ctx) => {
    const fd = Number(args[0])
    for (const [id, obj] of objectsOf(ctx).byId) {
      const core = (obj as unknown as { core?: { getFd?: () => number } }).core
      if (core?.getFd?.() === fd) return [BigInt(id)]
    }
    return [undefined]
  })
  m.set("facade.release", (args, ctx) => {
    const objs = objectsOf(ctx)
    const ids = Array.isArray(args[0]) ? args[0] : []
    for (const id of ids) {
      const obj = objs.byId.get(Number(id))
      if (obj !== undefined) {
        obj.dispose()
        objs.byId.delete(Number(id))
      }
    }
    return []
  })
  return m
}
