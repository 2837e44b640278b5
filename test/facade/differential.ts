/**
 * A tiny scenario language run two ways: as a generated Lua script under Debian's
 * `lua5.4` + `lua-socket` (the executable reference) and through the TypeScript
 * `luasocket` facade. Each step calls a function or method and prints its results in
 * one normalized line, so the two transcripts can be compared line by line.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

/** An argument: a literal, a saved result (`{ ref }`), or bytes (`{ bytes }`). */
export type Arg = string | number | boolean | null | { readonly ref: string } | { readonly bytes: ReadonlyArray<number> }

export interface Step {
  /** `socket` (namespace, dotted names allowed: `dns.toip`) or a saved object's name. */
  readonly on: string
  readonly call: string
  readonly args?: ReadonlyArray<Arg>
  /** Names for results (to use later as `{ ref }` or as objects). */
  readonly save?: ReadonlyArray<string | null>
  /** Result positions (0-based) printed as `<masked>` (ports, descriptors, times). */
  readonly mask?: ReadonlyArray<number>
  /** Print only the number of results and the types (for values that vary). */
  readonly typesOnly?: boolean
}

// ---- Lua side -------------------------------------------------------------------------

const luaString = (bytes: ReadonlyArray<number>): string => `"${bytes.map((b) => `\\${b}`).join("")}"`

const luaArg = (a: Arg): string => {
  if (a === null) return "nil"
  if (typeof a === "string") return luaString([...Buffer.from(a, "latin1")])
  if (typeof a === "number" || typeof a === "boolean") return String(a)
  if ("ref" in a) return `V[${JSON.stringify(a.ref)}]`
  return luaString(a.bytes)
}

const luaPrelude = `
local socket = require "socket"
V = {}
local function q(s)
  return '"' .. s:gsub('[^ -~]', function(c) return string.format('\\\\%d', c:byte()) end):gsub('"', '\\\\"') .. '"'
end
local show
show = function(v, depth)
  local t = type(v)
  if t == "nil" then return "nil" end
  if t == "number" then return string.format("%.14g", v) end
  if t == "string" then return q(v) end
  if t == "boolean" then return tostring(v) end
  if t == "userdata" then return (tostring(v):gsub(":.*$", "")) end
  if t == "table" then
    if (depth or 0) > 3 then return "{...}" end
    local parts = {}
    for i = 1, #v do parts[#parts + 1] = show(v[i], (depth or 0) + 1) end
    local keys = {}
    for k in pairs(v) do if type(k) == "string" then keys[#keys + 1] = k end end
    table.sort(keys)
    for _, k in ipairs(keys) do parts[#parts + 1] = k .. "=" .. show(v[k], (depth or 0) + 1) end
    return "{" .. table.concat(parts, ",") .. "}"
  end
  return t
end
local function report(i, name, mask, typesOnly, ok, ...)
  local n = select("#", ...)
  if not ok then
    local msg = tostring((...)):gsub("^[^:]*:%d+: ", "")
    print(i .. " " .. name .. " raised " .. msg)
    return
  end
  local out = {}
  for k = 1, n do
    local v = select(k, ...)
    if mask[k] and v ~= nil then out[k] = "<masked>"
    elseif typesOnly then out[k] = type(v) == "userdata" and "object" or type(v)
    else out[k] = show(v) end
  end
  print(i .. " " .. name .. " -> " .. table.concat(out, ", "))
end
local function run(i, name, mask, typesOnly, save, f)
  local r = table.pack(pcall(f))
  report(i, name, mask, typesOnly, table.unpack(r, 1, r.n))
  if r[1] and save then for k, key in pairs(save) do V[key] = r[k + 1] end end
end
`

/** The scenario as a Lua script. */
export const toLua = (steps: ReadonlyArray<Step>): string => {
  let s = luaPrelude
  steps.forEach((st, i) => {
    const args = (st.args ?? []).map(luaArg).join(", ")
    const callee = st.on === "socket" ? `socket.${st.call}(${args})` : `V[${JSON.stringify(st.on)}]:${st.call}(${args})`
    const mask = `{${(st.mask ?? []).map((m) => `[${m + 1}]=true`).join(",")}}`
    const save = st.save ? `{${st.save.map((k, j) => (k === null ? "" : `[${j + 1}]=${JSON.stringify(k)}`)).filter((x) => x).join(",")}}` : "nil"
    s += `run(${i + 1}, ${JSON.stringify(`${st.on}.${st.call}`)}, ${mask}, ${st.typesOnly ? "true" : "false"}, ${save}, function() return ${callee} end)\n`
  })
  return s
}

/** Whether Debian's lua5.4 with LuaSocket is installed. */
export const haveReference = (): boolean => spawnSync("lua5.4", ["-e", 'require "socket"'], { stdio: "ignore" }).status === 0

/** Runs a Lua script under lua5.4; returns stdout. */
export const runLua = (script: string): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "diff-"))
  const file = path.join(dir, "scenario.lua")
  fs.writeFileSync(file, script)
  try {
    const r = spawnSync("lua5.4", [file], { encoding: "latin1", timeout: 20_000 })
    if (r.status !== 0) throw new Error(`lua5.4 failed (${r.status}): ${r.stderr}`)
    return r.stdout
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

// ---- TypeScript side --------------------------------------------------------------------

const g14 = (n: number): string => {
  if (Number.isInteger(n) && Math.abs(n) < 1e15) return String(n)
  if (n === Infinity) return "inf"
  if (n === -Infinity) return "-inf"
  if (Number.isNaN(n)) return "nan"
  const s = n.toPrecision(14)
  if (s.includes("e")) {
    const [m, e] = s.split("e")
    const mm = m!.includes(".") ? m!.replace(/0+$/, "").replace(/\.$/, "") : m!
    const ee = Number(e)
    return `${mm}e${ee < 0 ? "-" : "+"}${String(Math.abs(ee)).padStart(2, "0")}`
  }
  return s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s
}

const quote = (s: string): string => `"${s.replace(/[^ -~]/g, (c) => `\\${c.charCodeAt(0)}`).replace(/"/g, '\\"')}"`

const isObject = (v: unknown): v is { tostring(): string } => typeof v === "object" && v !== null && typeof (v as { tostring?: unknown }).tostring === "function"

export const show = (v: unknown, depth = 0): string => {
  if (v === undefined || v === null) return "nil"
  if (typeof v === "number") return g14(v)
  if (typeof v === "string") return quote(v)
  if (typeof v === "boolean") return String(v)
  if (isObject(v)) return v.tostring().replace(/:.*$/, "")
  if (depth > 3) return "{...}"
  if (Array.isArray(v)) return `{${v.map((x) => show(x, depth + 1)).join(",")}}`
  if (typeof v === "object") {
    const keys = Object.keys(v).sort()
    return `{${keys.map((k) => `${k}=${show((v as Record<string, unknown>)[k], depth + 1)}`).join(",")}}`
  }
  return typeof v
}

const luaType = (v: unknown): string =>
  v === undefined || v === null ? "nil" : isObject(v) ? "object" : typeof v === "object" ? "table" : typeof v === "function" ? "function" : typeof v

/** Runs the scenario through a facade namespace; returns the transcript. */
export const runFacade = async (socket: Record<string, unknown>, steps: ReadonlyArray<Step>): Promise<string> => {
  const V: Record<string, unknown> = {}
  let out = ""
  for (let i = 0; i < steps.length; i++) {
    const st = steps[i]!
    const name = `${st.on}.${st.call}`
    const args = (st.args ?? []).map((a) =>
      a === null ? undefined : typeof a === "object" ? ("ref" in a ? V[a.ref] : Buffer.from(a.bytes).toString("latin1")) : a
    )
    let results: ReadonlyArray<unknown>
    try {
      if (st.on === "socket") {
        const parts = st.call.split(".")
        let f: unknown = socket
        for (const p of parts) f = (f as Record<string, unknown>)[p]
        results = await (f as (...a: Array<unknown>) => ReadonlyArray<unknown>)(...args)
      } else {
        const o = V[st.on] as Record<string, (...a: Array<unknown>) => ReadonlyArray<unknown>>
        results = await o[st.call]!(...args)
      }
    } catch (e) {
      out += `${i + 1} ${name} raised ${(e as Error).message}\n`
      continue
    }
    // Lua drops trailing nils of a call's results only at the end of `print`... a call returns what it returns:
    const shown = results.map((v, k) => (st.mask?.includes(k) && v !== undefined ? "<masked>" : st.typesOnly ? luaType(v) : show(v)))
    out += `${i + 1} ${name} -> ${shown.join(", ")}\n`
    st.save?.forEach((key, k) => {
      if (key !== null) V[key] = results[k]
    })
  }
  return out
}
