/**
 * `npm run bench`: runs the socket workloads for the raw Node baseline ("raw")
 * and the Effect core ("efx"), each as a server + client process pair, and
 * prints a table of medians with the ratio efx/raw.
 *
 * Environment (defaults sized for a 2-4 minute run on 2 cores):
 *   REPS=3  IMPLS="raw efx"  WORKLOADS="w1 w2 w3 w5 w2:same w5:same"  HOST=127.0.0.1
 *   W1_BYTES=268435456  W2_ROUNDTRIPS=50000  W3_LINES=2000000  W5_CONNS=5000
 *   TIMEOUT=60 (seconds per process; killed after)
 *   PIN=split (server CPU 0, client CPU 1) | same (both CPU 0) | none; "w2:same" overrides per workload
 *   RESULTS=<dir> (default bench/results): run-<stamp>.jsonl (raw records) and run-<stamp>.md (table)
 * Repetitions are interleaved (rep 1: w1 raw, w1 efx, w2 raw, ...) so that drift
 * of a noisy machine hits both implementations alike.
 */
import { spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const here = path.dirname(fileURLToPath(import.meta.url)) // dist/bench
const projectDir = path.resolve(here, "../..")

const env = process.env
const REPS = Number(env.REPS ?? 3)
const IMPLS = (env.IMPLS ?? "raw efx").split(/\s+/).filter(Boolean)
const WORKLOADS = (env.WORKLOADS ?? "w1 w2 w3 w5 w2:same w5:same").split(/\s+/).filter(Boolean)
const HOST = env.HOST ?? "127.0.0.1"
const TIMEOUT_S = Number(env.TIMEOUT ?? 60)
const PIN = env.PIN ?? "split"
const RESULTS = path.resolve(projectDir, env.RESULTS ?? "bench/results")
const SIZES: Record<string, number> = {
  w1: Number(env.W1_BYTES ?? 256 * 1024 * 1024),
  w2: Number(env.W2_ROUNDTRIPS ?? 50000),
  w3: Number(env.W3_LINES ?? 2000000),
  w5: Number(env.W5_CONNS ?? 5000)
}

const PROGRAMS: Record<string, { server: string; client: string }> = {
  raw: { server: "raw-server.js", client: "raw-client.js" },
  efx: { server: "server.js", client: "client.js" }
}

for (const impl of IMPLS) if (PROGRAMS[impl] === undefined) throw new Error(`unknown implementation ${impl} (expected ${Object.keys(PROGRAMS).join(", ")})`)
for (const spec of WORKLOADS) if (SIZES[spec.split(":")[0]!] === undefined) throw new Error(`unknown workload ${spec}`)

const hasTaskset = spawnSync("taskset", ["-c", "0", "true"]).status === 0
const cpus = os.availableParallelism()

/** The `taskset` prefix for one side at one placement (empty when pinning is off or impossible). */
const pinPrefix = (placement: string, side: "server" | "client"): Array<string> => {
  if (!hasTaskset || placement === "none") return []
  if (placement === "same") return ["taskset", "-c", "0"]
  if (placement === "split") return ["taskset", "-c", side === "server" || cpus < 2 ? "0" : "1"]
  throw new Error(`unknown placement ${placement}`)
}

type Json = Record<string, unknown>

interface Proc {
  readonly pid: number
  /** Resolves once the process has exited (or was killed at the timeout). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; timedOut: boolean; wall_s: number }>
  stdout: string
  stderr: string
  onStdout: (() => void) | undefined
  kill(): void
}

const start = (argv: Array<string>): Proc => {
  const t0 = performance.now()
  const child = spawn(argv[0]!, argv.slice(1), { cwd: projectDir, stdio: ["ignore", "pipe", "pipe"] })
  let timedOut = false
  const proc: Proc = {
    pid: child.pid ?? -1,
    stdout: "",
    stderr: "",
    onStdout: undefined,
    exited: new Promise((resolve) => {
      child.on("close", (code, signal) => {
        clearTimeout(timer)
        resolve({ code, signal, timedOut, wall_s: (performance.now() - t0) / 1000 })
      })
    }),
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
    }
  }
  const timer = setTimeout(() => {
    timedOut = true
    proc.kill()
  }, TIMEOUT_S * 1000)
  child.on("error", (e) => {
    proc.stderr += String(e)
  })
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    proc.stdout += d
    proc.onStdout?.()
  })
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    proc.stderr += d
  })
  return proc
}

/** The port the server announced, or undefined when it exited or stayed silent for 10 s. */
const waitPort = (server: Proc): Promise<number | undefined> =>
  new Promise((resolve) => {
    const check = () => {
      const m = /^PORT (\d+)$/m.exec(server.stdout)
      if (m !== null) done(Number(m[1]))
    }
    const timer = setTimeout(() => done(undefined), 10_000)
    const done = (port: number | undefined) => {
      clearTimeout(timer)
      server.onStdout = undefined
      resolve(port)
    }
    server.onStdout = check
    void server.exited.then(() => done(undefined))
    check()
  })

/** The last stdout line, if it is a JSON object. */
const lastJson = (out: string): Json | null => {
  const lines = out.trim().split("\n")
  const last = lines[lines.length - 1] ?? ""
  if (!last.startsWith("{")) return null
  try {
    return JSON.parse(last) as Json
  } catch {
    return null
  }
}

interface RunRecord {
  readonly impl: string
  readonly workload: string
  readonly placement: string
  readonly rep: number
  readonly n: number
  readonly client: Json | null
  readonly server: Json | null
  readonly client_exit: unknown
  readonly server_exit: unknown
}

const runOne = async (impl: string, spec: string, rep: number): Promise<RunRecord> => {
  const [workload, placeOverride] = spec.split(":") as [string, string | undefined]
  const placement = placeOverride ?? PIN
  const n = SIZES[workload]!
  const programs = PROGRAMS[impl]!
  const server = start([...pinPrefix(placement, "server"), process.execPath, path.join(here, programs.server), workload, HOST, String(n)])
  const port = await waitPort(server)
  let client: Proc | undefined
  if (port !== undefined) {
    client = start([...pinPrefix(placement, "client"), process.execPath, path.join(here, programs.client), workload, HOST, String(port), String(n)])
    await client.exited
  } else {
    server.kill()
  }
  // A server whose client failed would wait forever: give it a moment, then stop it.
  const grace = setTimeout(() => server.kill(), 5000)
  const serverExit = await server.exited
  clearTimeout(grace)
  const clientExit = client !== undefined ? await client.exited : null
  const record: RunRecord = {
    impl,
    workload,
    placement,
    rep,
    n,
    client: client !== undefined ? lastJson(client.stdout) : null,
    server: lastJson(server.stdout),
    client_exit: clientExit,
    server_exit: serverExit
  }
  const ok = record.client !== null && record.server !== null && record.client["error"] === undefined && record.server["error"] === undefined
  if (!ok) {
    process.stderr.write(`  FAILED ${impl} ${spec} rep ${rep}: client ${JSON.stringify(clientExit)} server ${JSON.stringify(serverExit)}\n`)
    const tail = (s: string) => s.trim().split("\n").slice(-5).map((l) => `    ${l}`).join("\n")
    if (server.stderr.trim() !== "") process.stderr.write(`  server stderr:\n${tail(server.stderr)}\n`)
    if (client !== undefined && client.stderr.trim() !== "") process.stderr.write(`  client stderr:\n${tail(client.stderr)}\n`)
  }
  return record
}

// ---- summary ------------------------------------------------------------------------------

interface Metric {
  readonly w: string
  readonly name: string
  readonly get: (r: RunRecord) => unknown
  readonly lower?: boolean
}

const METRICS: ReadonlyArray<Metric> = [
  { w: "w1", name: "W1 bulk, MiB/s", get: (r) => r.client?.["mib_s"] },
  { w: "w2", name: "W2 req/resp, round trips/s", get: (r) => r.client?.["rt_s"] },
  { w: "w2", name: "W2 req/resp, p50 us", get: (r) => r.client?.["p50_us"], lower: true },
  { w: "w2", name: "W2 req/resp, p99 us", get: (r) => r.client?.["p99_us"], lower: true },
  { w: "w3", name: "W3 lines, lines/s", get: (r) => r.client?.["lines_s"] },
  { w: "w5", name: "W5 churn, connections/s", get: (r) => r.client?.["conn_s"] }
]
const RESOURCE_METRICS: ReadonlyArray<Omit<Metric, "w">> = [
  { name: "client peak RSS MiB", get: (r) => num(r.client?.["maxrss_kb"]) / 1024, lower: true },
  { name: "server peak RSS MiB", get: (r) => num(r.server?.["maxrss_kb"]) / 1024, lower: true },
  { name: "client CPU s", get: (r) => r.client?.["cpu_s"], lower: true },
  { name: "server CPU s", get: (r) => r.server?.["cpu_s"], lower: true }
]

const num = (x: unknown): number => (typeof x === "number" ? x : NaN)

const median = (xs: ReadonlyArray<number>): number => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b)
  if (s.length === 0) return NaN
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

const fmt = (x: number): string => {
  if (!Number.isFinite(x)) return "-"
  const a = Math.abs(x)
  if (a >= 1e6) return (x / 1e6).toFixed(2) + "M"
  if (a >= 1e4) return (x / 1e3).toFixed(1) + "k"
  if (a >= 100) return x.toFixed(0)
  return x.toPrecision(3)
}

const mdTable = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const all = [header, ...rows]
  const width = header.map((_, i) => Math.max(3, ...all.map((r) => r[i]!.length)))
  const line = (r: ReadonlyArray<string>) => "| " + r.map((c, i) => (i === 0 ? c.padEnd(width[i]!) : c.padStart(width[i]!))).join(" | ") + " |"
  const rule = "|" + width.map((w, i) => (i === 0 ? "-".repeat(w + 2) : "-".repeat(w + 1) + ":")).join("|") + "|"
  return [line(header), rule, ...rows.map(line)].join("\n")
}

const isOk = (r: RunRecord): boolean => r.client !== null && r.server !== null && r.client["error"] === undefined && r.server["error"] === undefined

const summarize = (records: ReadonlyArray<RunRecord>, meta: Json): string => {
  const cases = [...new Set(records.map((r) => `${r.workload}:${r.placement}`))]
  const impls = [...new Set(records.map((r) => r.impl))]
  const base = impls.includes("raw") ? "raw" : impls[0]!
  const others = impls.filter((i) => i !== base)
  const tag = (placement: string) => (placement === PIN ? "" : ` [${placement}]`)
  const rows: Array<{ name: string; values: (impl: string) => Array<number>; lower: boolean }> = []
  for (const c of cases) {
    const [w, placement] = c.split(":") as [string, string]
    const rs = (impl: string) => records.filter((r) => isOk(r) && r.workload === w && r.placement === placement && r.impl === impl)
    for (const m of METRICS.filter((m) => m.w === w)) rows.push({ name: m.name + tag(placement), values: (i) => rs(i).map((r) => num(m.get(r))), lower: m.lower === true })
  }
  const main = mdTable(
    ["metric", ...impls, ...others.map((o) => `${o}/${base}`)],
    rows.map((row) => {
      const med = impls.map((i) => median(row.values(i)))
      return [row.name, ...med.map(fmt), ...others.map((o) => (median(row.values(o)) / median(row.values(base))).toFixed(2))]
    })
  )
  const resourceRows: Array<Array<string>> = []
  for (const c of cases) {
    const [w, placement] = c.split(":") as [string, string]
    for (const impl of impls) {
      const rs = records.filter((r) => isOk(r) && r.workload === w && r.placement === placement && r.impl === impl)
      if (rs.length === 0) continue
      resourceRows.push([`${w}${tag(placement)} ${impl}`, ...RESOURCE_METRICS.map((m) => median(rs.map((r) => num(m.get(r)))).toFixed(m.name.includes("RSS") ? 0 : 2))])
    }
  }
  const resources = mdTable(["run", ...RESOURCE_METRICS.map((m) => m.name)], resourceRows)
  const reps = mdTable(["metric", ...impls], rows.map((row) => [row.name, ...impls.map((i) => row.values(i).map(fmt).join(" "))]))
  const failed = records.filter((r) => !isOk(r)).length
  return [
    `# effect-luasocket benchmark, ${String(meta["date"])}`,
    "",
    `node ${String(meta["node"])}, ${String(meta["cpus"])} CPUs, kernel ${String(meta["kernel"])}, host ${HOST}, reps ${REPS}, sizes ${JSON.stringify(SIZES)}`,
    `placement: ${PIN}${PIN === "split" ? " (server CPU 0, client CPU 1)" : ""} unless tagged; [same] = both processes on CPU 0${hasTaskset ? "" : " (taskset missing: not pinned)"}`,
    ...(failed > 0 ? [`WARNING: ${failed} failed run(s) excluded`] : []),
    "",
    `## Medians (ratio = impl / ${base}; "us" rows: lower is better, all other rows: higher is better)`,
    "",
    main,
    "",
    "## Peak RSS and CPU time per process (medians; CPU includes start-up)",
    "",
    resources,
    "",
    "## All repetitions (in run order)",
    "",
    reps,
    ""
  ].join("\n")
}

// ---- main ---------------------------------------------------------------------------------

const main = async () => {
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15)
  fs.mkdirSync(RESULTS, { recursive: true })
  const rawFile = path.join(RESULTS, `run-${stamp}.jsonl`)
  const meta: Json = {
    date: new Date().toISOString(),
    node: process.version,
    cpus,
    kernel: os.release(),
    host: HOST,
    pin: PIN,
    reps: REPS,
    sizes: SIZES,
    impls: IMPLS,
    taskset: hasTaskset
  }
  fs.writeFileSync(rawFile, JSON.stringify({ meta }) + "\n")
  const records: Array<RunRecord> = []
  const t0 = performance.now()
  for (let rep = 1; rep <= REPS; rep++) {
    for (const spec of WORKLOADS) {
      for (const impl of IMPLS) {
        const elapsed = Math.round((performance.now() - t0) / 1000)
        process.stderr.write(`[${String(elapsed).padStart(4)}s] rep ${rep}/${REPS}  ${spec.padEnd(8)} ${impl}\n`)
        const record = await runOne(impl, spec, rep)
        records.push(record)
        fs.appendFileSync(rawFile, JSON.stringify(record) + "\n")
      }
    }
  }
  process.stderr.write(`done in ${Math.round((performance.now() - t0) / 1000)} s; raw results: ${path.relative(process.cwd(), rawFile)}\n\n`)
  const table = summarize(records, meta)
  const mdFile = rawFile.replace(/\.jsonl$/, ".md")
  fs.writeFileSync(mdFile, table)
  process.stdout.write(table)
  process.stderr.write(`table: ${path.relative(process.cwd(), mdFile)}\n`)
  if (records.some((r) => !isOk(r))) process.exitCode = 1
}

void main()
