/**
 * Generates, from a facade spec, its reference page (`docs/api/<facade>.md`) and its
 * TypeScript declarations (`src/<facade>/api.generated.ts`). Pure functions; the test
 * `test/facade/generated.test.ts` fails when a checked-in file differs from what they
 * give, and `npm run generate` rewrites the files.
 *
 * @since 0.1.0
 */
import { indexOf } from "./derive.js"
import type { FacadeSpec, Fn, Param, Ret } from "./spec.js"

const pascal = (s: string): string => s.replace(/(^|[^a-zA-Z0-9])([a-zA-Z0-9])/g, (_, __, c: string) => c.toUpperCase())

/** TypeScript type of a documented Lua type. */
const tsType = (spec: FacadeSpec, t: string, input: boolean): string => {
  const index = indexOf(spec)
  const parts = t.split("|").map((p) => {
    if (p.startsWith('"')) return p
    const objectType = index.typeOfClass.get(p)
    if (objectType !== undefined) return pascal(objectType)
    switch (p) {
      case "string":
        return input ? "string | Uint8Array | number" : "string"
      case "number":
      case "int":
        return input ? "number | string" : "number"
      case "boolean":
        return "boolean"
      case "nil":
        return "undefined"
      case "table":
        return input ? "ReadonlyArray<unknown> | Readonly<Record<string, unknown>>" : "any"
      case "function":
        return "((...args: Array<any>) => any)"
      case "false":
        return "false"
      case "true":
        return "true"
      default:
        return "unknown"
    }
  })
  return [...new Set(parts.join(" | ").split(" | "))].join(" | ")
}

const reserved = new Set(["try", "catch", "finally", "function", "return", "default", "delete", "new", "class", "protected", "public", "private", "in", "for", "do", "if", "else", "var", "let", "const", "switch", "case", "break", "continue", "throw", "typeof", "void", "with", "yield", "await", "enum", "export", "import", "super", "this", "null", "true", "false", "while", "instanceof", "extends", "static", "interface", "package", "implements"])
/** A parameter or tuple label (reserved words get a trailing `_`). */
const ident = (name: string): string =>
  reserved.has(name) ? `${name}_` : /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : `_${name.replace(/[^A-Za-z0-9_$]/g, "_")}`

/** A property name (reserved words are fine there, but `new(...)` in an interface is a construct signature: quoted). */
const prop = (name: string): string => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) && name !== "new" ? name : JSON.stringify(name))

const paramList = (spec: FacadeSpec, fn: Fn<any>): string => {
  const ps = fn.params.map((p: Param, i) => {
    const question = p.optional && fn.params.slice(i + 1).every((q) => q.optional) ? "?" : ""
    return `${ident(p.name)}${question}: ${tsType(spec, p.type, true)}${p.optional ? " | undefined" : ""}`
  })
  if (fn.varargs) ps.push("...rest: Array<unknown>")
  return ps.join(", ")
}

const tuple = (spec: FacadeSpec, rets: ReadonlyArray<Ret>): string =>
  rets.some((r) => r.name === "...") ? "Array<any>" : `[${rets.map((r) => `${ident(r.name === "1" ? "ok" : r.name)}: ${tsType(spec, r.type, false)}`).join(", ")}]`

const resultType = (spec: FacadeSpec, fn: Fn<any>): string => {
  const padded = (rs: ReadonlyArray<Ret>) => [...rs, ...Array.from({ length: Math.max(0, (fn.arity ?? 0) - rs.length) }, (_, i) => ({ name: `nil${i + 1}`, type: "nil" }))]
  const ok = tuple(spec, padded(fn.returns))
  const t = fn.failure === undefined ? ok : `${ok} | ${tuple(spec, padded(fn.failure))}`
  return fn.waits ? `Promise<${t}>` : t
}

const jsdoc = (text: string, indent: string): string => `${indent}/** ${text.replace(/\*\//g, "*\\/")} */\n`

/** The TypeScript declarations of a facade. @since 0.1.0 */
export const generateTypes = (spec: FacadeSpec): string => {
  const index = indexOf(spec)
  let out = `// Generated from the ${spec.name} spec (src/facade) by src/facade/generate.ts: do not edit, run \`npm run generate\`.\n\n`
  out += `/** Every object of this facade. */\nexport interface FacadeObjectLike {\n  readonly className: string\n  tostring(): string\n}\n\n`
  for (const t of spec.types) {
    out += jsdoc(`${t.doc} Classes: ${t.classes.join(", ")}.`, "")
    out += `export interface ${pascal(t.name)} extends FacadeObjectLike {\n`
    for (const f of t.fields ?? []) out += `${jsdoc(f.doc, "  ")}  readonly ${prop(f.name)}: ${tsType(spec, f.type, false)}\n`
    for (const [name, fn] of [...index.methods.get(t.name)!].sort(([a], [b]) => a.localeCompare(b))) {
      if (fn.hidden) continue
      out += jsdoc(`${fn.self}: ${fn.doc}`, "  ")
      out += `  ${prop(name)}(${paramList(spec, fn)}): ${resultType(spec, fn)}\n`
    }
    out += "}\n\n"
  }
  // namespace: nested tables for dotted names
  interface Node {
    fields: Map<string, string>
    children: Map<string, Node>
  }
  const root: Node = { fields: new Map(), children: new Map() }
  const place = (path: string, decl: string) => {
    const parts = path.split(".")
    let n = root
    for (const p of parts.slice(0, -1)) {
      if (!n.children.has(p)) n.children.set(p, { fields: new Map(), children: new Map() })
      n = n.children.get(p)!
    }
    n.fields.set(parts[parts.length - 1]!, decl)
  }
  for (const c of spec.constants) place(c.name, `${jsdoc(c.doc, "")}readonly ${prop(c.name.slice(c.name.lastIndexOf(".") + 1))}: ${c.type === "table" ? "Readonly<Record<string, any>>" : tsType(spec, c.type, false)}`)
  for (const [name, fn] of index.functions) {
    if (fn.hidden) continue
    const short = name.slice(name.lastIndexOf(".") + 1)
    place(name, `${jsdoc(fn.doc, "")}${prop(short)}(${paramList(spec, fn)}): ${resultType(spec, fn)}`)
  }
  const render = (n: Node, indent: string): string => {
    let s = ""
    for (const k of [...n.fields.keys()].sort()) s += n.fields.get(k)!.split("\n").map((l) => (l === "" ? l : indent + l)).join("\n") + "\n"
    for (const k of [...n.children.keys()].sort()) s += `${indent}readonly ${prop(k)}: {\n${render(n.children.get(k)!, indent + "  ")}${indent}}\n`
    return s
  }
  out += jsdoc(spec.doc, "")
  out += `export interface Namespace {\n${render(root, "  ")}}\n`
  return out
}

const sig = (prefix: string, name: string, fn: Fn<any>): string => {
  const ps = fn.params.map((p) => (p.optional ? `[${p.name}]` : p.name))
  if (fn.varargs) ps.push("...")
  return `${prefix}${name}(${ps.join(", ")})`
}

const rets = (rs: ReadonlyArray<Ret> | undefined): string => (rs === undefined ? "" : rs.length === 0 ? "(nothing)" : rs.map((r) => `\`${r.name}\``).join(", "))

/** The reference page of a facade (markdown). @since 0.1.0 */
export const generateDocs = (spec: FacadeSpec): string => {
  const index = indexOf(spec)
  const hidden: Array<string> = []
  let out = `# \`${spec.name}\` facade reference\n\n`
  out += `<!-- Generated from the spec in src/facade by src/facade/generate.ts: do not edit, run \`npm run generate\`. -->\n\n`
  out += `${spec.doc}\n\nLua module: \`require "${spec.module}"\`. Numbers in tables are Lua ${spec.numbers}s.\n`
  out += `Functions marked *waits* return a Promise in TypeScript and block in the Lua runtime.\n\n`
  if (spec.constants.length > 0) {
    out += `## Constants\n\n| name | type | value | |\n|---|---|---|---|\n`
    for (const c of spec.constants) {
      const v = typeof c.value === "object" ? "(table)" : c.value === undefined ? "nil" : JSON.stringify(c.value)
      out += `| \`${c.name}\` | ${c.type} | ${v} | ${c.doc} |\n`
    }
    out += "\n"
  }
  out += `## Functions\n\n`
  for (const [name, fn] of [...index.functions].sort(([a], [b]) => a.localeCompare(b))) {
    const alias = fn.name !== name ? ` (alias of \`${fn.name}\`)` : ""
    out += `### \`${sig(`${spec.module}.`, name, fn)}\`${alias}\n\n${fn.doc}${fn.waits ? " *waits*" : ""}${fn.luaNative ? " *Lua-defined in the runtime*" : ""}\n\n`
    out += `- returns: ${rets(fn.returns)}\n`
    if (fn.failure) out += `- on failure: ${rets(fn.failure)}\n`
    out += "\n"
  }
  for (const t of spec.types) {
    out += `## Objects: \`${t.name}\`\n\n${t.doc} Classes: ${t.classes.map((c) => `\`${c}\``).join(", ")}`
    const groups = Object.entries(t.groups)
    if (groups.length > 0) out += `; ${groups.map(([g, cs]) => `\`${g}\` = ${cs.map((c) => `\`${c}\``).join(" / ")}`).join("; ")}`
    out += ".\n\n"
    if (t.fields !== undefined && t.fields.length > 0) out += `Fields: ${t.fields.map((f) => `\`${f.name}\` (${f.type}): ${f.doc}`).join("; ")}\n\n`
    out += `| method | on | returns | on failure | |\n|---|---|---|---|---|\n`
    for (const [name, fn] of [...index.methods.get(t.name)!].sort(([a], [b]) => a.localeCompare(b))) {
      const alias = fn.name !== name ? ` (alias of \`${fn.name}\`)` : ""
      out += `| \`${sig(":", name, fn)}\`${alias} | \`${fn.self}\` | ${rets(fn.returns)} | ${rets(fn.failure) || "-"} | ${fn.doc}${fn.waits ? " *waits*" : ""} |\n`
    }
    out += "\n"
  }
  if (hidden.length > 0) out += `## Lua runtime helpers (not part of the API)\n\nHost functions the Lua modules call; no TypeScript method, not in the Lua metatables.\n\n${hidden.join("\n")}\n\n`
  if (spec.limits && spec.limits.length > 0) out += `## On Node.js\n\n${spec.limits.map((l) => `- ${l}`).join("\n")}\n`
  return out
}
