/**
 * The differential conformance suite: every script in test/lua/conformance/ runs under
 * Debian's lua5.4 + LuaSocket (the executable reference) and under our runtime
 * (`luasock run`'s engine with the default hosts), on the main thread (`luasock run`'s default,
 * with the yieldable stand-ins of src/lua/yieldable.ts) and in a worker thread (`--worker`); stdout must be identical byte for byte. Without lua5.4 the suite is skipped with a message, except in CI
 * (EFFECT_LUASOCKET_CI=1), where a missing reference fails it.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { defaultHosts, runFile } from "../../src/lua/index.js"
import { haveReference } from "../facade/differential.js"
import { ensureBuilt } from "./support.js"

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), "conformance")
const scripts = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".lua")).sort() : []
const reference = haveReference()
const inCi = process.env.EFFECT_LUASOCKET_CI === "1"

const show = (b: Uint8Array | string): Array<string> => Buffer.from(b).toString("latin1").split("\n")

describe("differential conformance: lua5.4 + LuaSocket vs luasock run", () => {
  if (!reference && !inCi) {
    it.skip("lua5.4 with lua-socket is not installed here (apt-get install -y lua5.4 lua-socket); CI installs it", () => {})
    return
  }
  it("has scripts", () => expect(scripts.length).toBeGreaterThan(0))
  for (const script of scripts) for (const thread of ["main", "worker"] as const) {
    it(`${script} (${thread} thread)`, async () => {
      expect(reference, "lua5.4 + lua-socket must be installed in CI").toBe(true)
      ensureBuilt()
      const file = path.join(dir, script)
      const want = spawnSync("lua5.4", [file], { cwd: dir, timeout: 30_000 })
      expect(want.status, `lua5.4 ${script}: ${want.stderr}`).toBe(0)
      const got = await runFile(file, { hosts: defaultHosts(), output: "capture", stdin: "none", thread })
      expect(show(got.stdout ?? new Uint8Array()), Buffer.from(got.stderr ?? []).toString()).toEqual(show(want.stdout))
      expect(got.exitCode).toBe(0)
    }, 60_000)
  }
})
