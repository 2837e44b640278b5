/**
 * The generated files are current and every spec is consistent: for each facade in
 * src/facade/all.ts, the checked-in reference page and declarations equal what the
 * generator makes of the spec now, its lookup tables build, and every entry says what it does.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { facades } from "../../src/facade/all.js"
import { indexOf } from "../../src/facade/derive.js"
import { generateDocs, generateTypes } from "../../src/facade/generate.js"

const root = path.resolve(import.meta.dirname, "../..")
const read = (file: string): string | undefined => {
  const p = path.join(root, file)
  return fs.existsSync(p) ? fs.readFileSync(p, "utf8") : undefined
}

describe("generated facade files", () => {
  it("every facade is listed once, with its own files", () => {
    expect(facades.length).toBeGreaterThan(0)
    const names = facades.map((f) => f.spec.name)
    expect(new Set(names).size, `duplicate facade in src/facade/all.ts: ${names.join(", ")}`).toBe(names.length)
    const files = facades.flatMap((f) => [f.docs, f.types])
    expect(new Set(files).size, "two facades share a generated file").toBe(files.length)
  })

  for (const f of facades) {
    describe(f.spec.name, () => {
      it(`${f.docs} is current`, () => {
        expect(read(f.docs), `${f.docs} is missing or stale: run npm run generate`).toBe(generateDocs(f.spec))
      })

      it(`${f.types} is current`, () => {
        expect(read(f.types), `${f.types} is missing or stale: run npm run generate`).toBe(generateTypes(f.spec))
      })

      it("the spec's lookup tables build: no name twice, every method's class known", () => {
        const index = indexOf(f.spec)
        expect(index.functions.size).toBeGreaterThan(0)
        for (const t of f.spec.types) expect(index.methods.get(t.name)?.size ?? 0, `${f.spec.name}: object type ${t.name} has no methods`).toBeGreaterThan(0)
        const classes = f.spec.types.flatMap((t) => t.classes)
        expect(new Set(classes).size, `${f.spec.name}: a class belongs to two object types`).toBe(classes.length)
        const constants = f.spec.constants.map((c) => c.name)
        expect(new Set(constants).size, `${f.spec.name}: a constant is defined twice`).toBe(constants.length)
        for (const c of constants) expect(index.functions.has(c), `${f.spec.name}: ${c} is both a constant and a function`).toBe(false)
      })

      it("every function, method, constant, object type and field has a doc string", () => {
        const missing: Array<string> = []
        const check = (what: string, doc: string) => {
          if (doc.trim() === "") missing.push(what)
        }
        check("the spec", f.spec.doc)
        for (const c of f.spec.constants) check(`constant ${c.name}`, c.doc)
        for (const fn of f.spec.functions) check(`function ${fn.name}`, fn.doc)
        for (const m of f.spec.methods) check(`method ${m.self}:${m.name}`, m.doc)
        for (const t of f.spec.types) {
          check(`type ${t.name}`, t.doc)
          for (const fd of t.fields ?? []) check(`field ${t.name}.${fd.name}`, fd.doc)
        }
        expect(missing, `${f.spec.name}: entries without a doc string`).toEqual([])
      })
    })
  }
})
