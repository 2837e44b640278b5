/**
 * The tables of a benchmark run, from its records: medians per metric and
 * implementation, ratios against raw Node (and of the Promise API and the facade
 * against the Effect core), peak RSS and CPU per process, every repetition.
 * Used by `run.ts` at the end of a run and by `chart.ts`; also a command that
 * re-prints the table of a run:
 *
 *   node dist/bench/summary.js [bench/results/run-<stamp>.jsonl]   (default: the latest)
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

export type Json = Record<string, unknown>

/** One server + client run, as `run.ts` appends it to `run-<stamp>.jsonl`. */
export interface RunRecord {
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

export interface Metric {
  readonly w: string
  readonly name: string
  readonly get: (r: RunRecord) => unknown
  /** Lower is better (latencies, memory, CPU). */
  readonly lower?: boolean
  /** The workload's headline figure (the one the chart shows). */
  readonly headline?: boolean
  /** An absolute figure: no ratio column makes sense (delivered %). */
  readonly noRatio?: boolean
}

export const num = (x: unknown): number => (typeof x === "number" ? x : NaN)

export const METRICS: ReadonlyArray<Metric> = [
  { w: "w1", name: "W1 bulk, MiB/s", get: (r) => r.client?.["mib_s"], headline: true },
  { w: "w2", name: "W2 req/resp, round trips/s", get: (r) => r.client?.["rt_s"], headline: true },
  { w: "w2", name: "W2 req/resp, p50 us", get: (r) => r.client?.["p50_us"], lower: true },
  { w: "w2", name: "W2 req/resp, p99 us", get: (r) => r.client?.["p99_us"], lower: true },
  { w: "w3", name: "W3 lines, lines/s", get: (r) => r.client?.["lines_s"], headline: true },
  { w: "w4", name: "W4 UDP, sent/s", get: (r) => r.client?.["sent_s"] },
  { w: "w4", name: "W4 UDP, received/s", get: (r) => r.server?.["recv_s"], headline: true },
  { w: "w4", name: "W4 UDP, delivered %", get: (r) => (100 * num(r.server?.["received"])) / num(r.client?.["sent"]), noRatio: true },
  { w: "w5", name: "W5 churn, connections/s", get: (r) => r.client?.["conn_s"], headline: true }
]

export const RESOURCE_METRICS: ReadonlyArray<Omit<Metric, "w">> = [
  { name: "client peak RSS MiB", get: (r) => num(r.client?.["maxrss_kb"]) / 1024, lower: true },
  { name: "server peak RSS MiB", get: (r) => num(r.server?.["maxrss_kb"]) / 1024, lower: true },
  { name: "client CPU s", get: (r) => r.client?.["cpu_s"], lower: true },
  { name: "server CPU s", get: (r) => r.server?.["cpu_s"], lower: true }
]

export const median = (xs: ReadonlyArray<number>): number => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b)
  if (s.length === 0) return NaN
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

export const fmt = (x: number): string => {
  if (!Number.isFinite(x)) return "-"
  const a = Math.abs(x)
  if (a >= 1e6) return (x / 1e6).toFixed(2) + "M"
  if (a >= 1e4) return (x / 1e3).toFixed(1) + "k"
  if (a >= 100) return x.toFixed(0)
  return x.toPrecision(3)
}

export const ratio = (a: number, b: number): string => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? (a / b).toFixed(2) : "-")

export const mdTable = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const all = [header, ...rows]
  const width = header.map((_, i) => Math.max(3, ...all.map((r) => r[i]!.length)))
  const line = (r: ReadonlyArray<string>) => "| " + r.map((c, i) => (i === 0 ? c.padEnd(width[i]!) : c.padStart(width[i]!))).join(" | ") + " |"
  const rule = "|" + width.map((w, i) => (i === 0 ? "-".repeat(w + 2) : "-".repeat(w + 1) + ":")).join("|") + "|"
  return [line(header), rule, ...rows.map(line)].join("\n")
}

export const isOk = (r: RunRecord): boolean =>
  r.client !== null && r.server !== null && r.client["error"] === undefined && r.server["error"] === undefined

/** The implementations in the order of the run, the baseline ("raw" when present) first. */
export const implsOf = (records: ReadonlyArray<RunRecord>): { impls: Array<string>; base: string } => {
  const seen = [...new Set(records.map((r) => r.impl))]
  const base = seen.includes("raw") ? "raw" : seen[0] ?? "raw"
  return { impls: [base, ...seen.filter((i) => i !== base)], base }
}

/** One table row: a metric at one placement, every implementation's values. */
export interface Row {
  readonly workload: string
  readonly placement: string
  readonly metric: Metric
  /** "W2 req/resp, round trips/s [same]" */
  readonly name: string
  readonly values: (impl: string) => Array<number>
}

/** The rows of a run, workload by workload in the order of the run. `pin` = the run's default placement (untagged). */
export const rowsOf = (records: ReadonlyArray<RunRecord>, pin: string): Array<Row> => {
  const cases = [...new Set(records.map((r) => `${r.workload}:${r.placement}`))]
  const rows: Array<Row> = []
  for (const c of cases) {
    const [w, placement] = c.split(":") as [string, string]
    const rs = (impl: string) => records.filter((r) => isOk(r) && r.workload === w && r.placement === placement && r.impl === impl)
    for (const m of METRICS.filter((m) => m.w === w)) {
      rows.push({ workload: w, placement, metric: m, name: m.name + (placement === pin ? "" : ` [${placement}]`), values: (i) => rs(i).map((r) => num(m.get(r))) })
    }
  }
  return rows
}

/** Reads a `run-<stamp>.jsonl`: its meta line and its records. */
export const readRun = (file: string): { meta: Json; records: Array<RunRecord> } => {
  const lines = fs.readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "")
  let meta: Json = {}
  const records: Array<RunRecord> = []
  for (const line of lines) {
    const obj = JSON.parse(line) as Json
    if (obj["meta"] !== undefined) meta = { ...(obj["meta"] as Json), ...meta }
    else if (obj["end"] !== undefined) meta = { ...meta, ...(obj["end"] as Json) }
    else records.push(obj as unknown as RunRecord)
  }
  return { meta, records }
}

/** The newest `run-*.jsonl` in `dir` (stamps sort by time). */
export const latestRun = (dir: string): string | undefined => {
  if (!fs.existsSync(dir)) return undefined
  const runs = fs.readdirSync(dir).filter((f) => /^run-\d{8}-\d{6}\.jsonl$/.test(f)).sort()
  const last = runs[runs.length - 1]
  return last === undefined ? undefined : path.join(dir, last)
}

/** "checkout: <commit> (with uncommitted changes in ...)" for the header of a table. */
export const gitLine = (git: unknown): string => {
  if (typeof git !== "object" || git === null) return "checkout: not a git checkout"
  const g = git as { commit?: string; changed?: Array<string> }
  const changed = g.changed ?? []
  return `checkout: ${g.commit ?? "?"}${changed.length > 0 ? ` with uncommitted changes in ${changed.join(", ")}` : ""}`
}

export const summarize = (records: ReadonlyArray<RunRecord>, meta: Json): string => {
  const pin = String(meta["pin"] ?? "split")
  const { impls, base } = implsOf(records)
  const others = impls.filter((i) => i !== base)
  // promise and facade are also compared with the Effect core they are built on.
  const overEfx = impls.includes("efx") && base !== "efx" ? impls.filter((i) => i === "promise" || i === "facade" || i === "stream") : []
  const rows = rowsOf(records, pin)
  const main = mdTable(
    ["metric", ...impls, ...others.map((o) => `${o}/${base}`), ...overEfx.map((o) => `${o}/efx`)],
    rows.map((row) => {
      const med = (i: string) => median(row.values(i))
      const r = (a: string, b: string) => (row.metric.noRatio === true ? "" : ratio(med(a), med(b)))
      return [row.name, ...impls.map((i) => fmt(med(i))), ...others.map((o) => r(o, base)), ...overEfx.map((o) => r(o, "efx"))]
    })
  )
  const resourceRows: Array<Array<string>> = []
  const cases = [...new Set(records.map((r) => `${r.workload}:${r.placement}`))]
  for (const c of cases) {
    const [w, placement] = c.split(":") as [string, string]
    for (const impl of impls) {
      const rs = records.filter((r) => isOk(r) && r.workload === w && r.placement === placement && r.impl === impl)
      if (rs.length === 0) continue
      resourceRows.push([
        `${w}${placement === pin ? "" : ` [${placement}]`} ${impl}`,
        ...RESOURCE_METRICS.map((m) => median(rs.map((r) => num(m.get(r)))).toFixed(m.name.includes("RSS") ? 0 : 2))
      ])
    }
  }
  const peakRows = impls.map((impl) => {
    const rs = records.filter((r) => isOk(r) && r.impl === impl)
    const peak = (side: "client" | "server") => Math.max(...rs.map((r) => num(r[side]?.["maxrss_kb"]) / 1024).filter(Number.isFinite))
    return [impl, peak("client").toFixed(0), peak("server").toFixed(0)]
  })
  const resources = mdTable(["run", ...RESOURCE_METRICS.map((m) => m.name)], resourceRows)
  const reps = mdTable(["metric", ...impls], rows.map((row) => [row.name, ...impls.map((i) => row.values(i).map(fmt).join(" "))]))
  const failed = records.filter((r) => !isOk(r))
  const taskset = meta["taskset"] !== false
  return [
    `# effect-luasocket benchmark, ${String(meta["date"])}`,
    "",
    `node ${String(meta["node"])}, ${String(meta["cpus"])} CPUs, kernel ${String(meta["kernel"])}, host ${String(meta["host"])}, reps ${String(meta["reps"])}, sizes ${JSON.stringify(meta["sizes"])}`,
    `placement: ${pin}${pin === "split" ? " (server CPU 0, client CPU 1)" : ""} unless tagged; [same] = both processes on CPU 0${taskset ? "" : " (taskset missing: not pinned)"}`,
    ...(meta["git"] !== undefined ? [gitLine(meta["git"])] : []),
    ...(meta["load"] !== undefined ? [`load average before / after the run: ${String(meta["load"])} / ${String(meta["load_after"] ?? "?")}`] : []),
    ...(failed.length > 0 ? [`WARNING: ${failed.length} failed run(s) excluded: ${failed.map((r) => `${r.impl} ${r.workload}:${r.placement} rep ${r.rep}`).join(", ")}`] : []),
    "",
    `## Medians (ratio = impl / ${base}${overEfx.length > 0 ? `; ${overEfx.map((o) => `${o}/efx`).join(", ")}: against the Effect core` : ""}; "us" rows: lower is better, all other rows: higher is better)`,
    "",
    main,
    "",
    "## Peak RSS per implementation (MiB, highest of all its runs)",
    "",
    mdTable(["impl", "client", "server"], peakRows),
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

// `node dist/bench/summary.js [file.jsonl]`: re-print a run's table.
if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const projectDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..")
  const file = process.argv[2] ?? latestRun(path.join(projectDir, "bench/results"))
  if (file === undefined) {
    process.stderr.write("no bench/results/run-*.jsonl: run `npm run bench` first\n")
    process.exit(2)
  }
  const { meta, records } = readRun(file)
  process.stdout.write(summarize(records, meta))
}
