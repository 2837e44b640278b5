/**
 * `npm run bench -- scale` (or `SCALE=1 npm run bench`): the scale runs.
 *
 * 1. Concurrent connections: for each size in SCALE_CONNS, a server and a client
 *    process (`scale-server.ts`, `scale-client.ts`) of the same implementation (efx,
 *    raw): the client opens that many connections, each does one exchange, both sides
 *    measure their memory with every connection open and idle (after a full GC), then
 *    every connection does `rounds` request/response round trips at the same time
 *    (rounds = max(SCALE_MIN_ROUNDS, SCALE_ROUNDTRIPS / connections)). Throughput in
 *    total and per connection, latency, CPU per round trip, memory per connection
 *    (RSS delta / connections, and JavaScript heap + external delta / connections).
 * 2. Select: `select-bench.ts` (Effect core) watches n sockets of which k are ready.
 *
 * Environment:
 *   SCALE_CONNS="1 100 1000 5000"  SCALE_IMPLS="raw efx"  SCALE_REPS=3
 *   SCALE_ROUNDTRIPS=20000  SCALE_MIN_ROUNDS=10
 *   SELECT_N="100 1000 5000"  SELECT_K="1 10 100 1000"  SELECT_SECONDS=0.25 (per case)
 *   SCALE_PARTS="conns select" (either or both)  PIN=split  HOST=127.0.0.1
 *   TIMEOUT=120 (seconds per process)  RESULTS=bench/results: scale-<stamp>.jsonl / .md
 *
 * Descriptors: every child is started through `bash -c 'ulimit -n <want>; exec ...'`; a
 * size that does not fit the limit reached (a connection size needs n + 64 descriptors
 * per process, select 2 x max(n) + 64) is skipped with a printed reason.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { gitState, hasTaskset, jsonLines, lastJson, pinPrefix, type Proc, reachableFdLimit, start, tail, waitPort, withFdLimit } from "./proc.js"
import { fmt, gitLine, type Json, mdTable, median, num, ratio } from "./summary.js"

const here = path.dirname(fileURLToPath(import.meta.url)) // dist/bench
const projectDir = path.resolve(here, "../..")
const env = process.env

const list = (s: string): Array<number> => s.split(/[\s,]+/).filter(Boolean).map(Number)

const CONNS = list(env.SCALE_CONNS ?? "1 100 1000 5000")
const IMPLS = (env.SCALE_IMPLS ?? "raw efx").split(/\s+/).filter(Boolean)
const REPS = Number(env.SCALE_REPS ?? 3)
const ROUNDTRIPS = Number(env.SCALE_ROUNDTRIPS ?? 20000)
const MIN_ROUNDS = Number(env.SCALE_MIN_ROUNDS ?? 10)
const SELECT_N = list(env.SELECT_N ?? "100 1000 5000")
const SELECT_K = list(env.SELECT_K ?? "1 10 100 1000")
const SELECT_SECONDS = Number(env.SELECT_SECONDS ?? 0.25)
const PARTS = (env.SCALE_PARTS ?? "conns select").split(/\s+/).filter(Boolean)
const PIN = env.PIN ?? "split"
const HOST = env.HOST ?? "127.0.0.1"
const TIMEOUT_S = Number(env.TIMEOUT ?? 120)
const RESULTS = path.resolve(projectDir, env.RESULTS ?? "bench/results")

/** Descriptors a process needs beyond its sockets (stdio, the listener, epoll, Node's own). */
const SPARE_FDS = 64

const roundsFor = (conns: number): number => Math.max(MIN_ROUNDS, Math.ceil(ROUNDTRIPS / conns))

interface ScaleRecord {
  readonly part: "conns"
  readonly impl: string
  readonly connections: number
  readonly rounds: number
  readonly rep: number
  readonly client: Json | null
  readonly server: Json | null
  readonly client_exit: unknown
  readonly server_exit: unknown
}

const node = (file: string, args: ReadonlyArray<string | number>): Array<string> => [process.execPath, "--expose-gc", path.join(here, file), ...args.map(String)]

const runConns = async (impl: string, conns: number, rep: number, fdWant: number): Promise<ScaleRecord> => {
  const rounds = roundsFor(conns)
  const server = start(withFdLimit(fdWant, [...pinPrefix(PIN, "server"), ...node("scale-server.js", [impl, HOST, conns])]), TIMEOUT_S, projectDir)
  const port = await waitPort(server)
  let client: Proc | undefined
  if (port !== undefined) {
    client = start(withFdLimit(fdWant, [...pinPrefix(PIN, "client"), ...node("scale-client.js", [impl, HOST, port, conns, rounds])]), TIMEOUT_S, projectDir)
    await client.exited
  } else {
    server.kill()
  }
  const grace = setTimeout(() => server.kill(), 15_000)
  const serverExit = await server.exited
  clearTimeout(grace)
  const record: ScaleRecord = {
    part: "conns",
    impl,
    connections: conns,
    rounds,
    rep,
    client: client !== undefined ? lastJson(client.stdout) : null,
    server: lastJson(server.stdout),
    client_exit: client !== undefined ? await client.exited : null,
    server_exit: serverExit
  }
  if (!ok(record)) {
    process.stderr.write(`  FAILED ${impl} ${conns} connections rep ${rep}: client ${JSON.stringify(record.client_exit)} server ${JSON.stringify(serverExit)}\n`)
    if (server.stderr.trim() !== "") process.stderr.write(`  server stderr:\n${tail(server.stderr)}\n`)
    if (client !== undefined && client.stderr.trim() !== "") process.stderr.write(`  client stderr:\n${tail(client.stderr)}\n`)
  }
  return record
}

const ok = (r: { client: Json | null; server: Json | null }): boolean =>
  r.client !== null && r.server !== null && r.client["error"] === undefined && r.server["error"] === undefined

interface SelectRecord {
  readonly part: "select"
  readonly rep: number
  readonly cases: Array<Json>
  readonly summary: Json | null
  readonly exit: unknown
}

const runSelect = async (ns: ReadonlyArray<number>, rep: number, fdWant: number): Promise<SelectRecord> => {
  const proc = start(withFdLimit(fdWant, [...pinPrefix(PIN, "server"), ...node("select-bench.js", [HOST, ns.join(","), SELECT_K.join(","), SELECT_SECONDS])]), TIMEOUT_S, projectDir)
  const exit = await proc.exited
  const lines = jsonLines(proc.stdout)
  const summary = lines.find((l) => l["done"] === true) ?? null
  const failed = lines.find((l) => l["error"] !== undefined)
  if (summary === null || failed !== undefined) {
    process.stderr.write(`  FAILED select rep ${rep}: ${JSON.stringify(exit)} ${failed !== undefined ? String(failed["error"]) : ""}\n`)
    if (proc.stderr.trim() !== "") process.stderr.write(`${tail(proc.stderr)}\n`)
  }
  return { part: "select", rep, cases: lines.filter((l) => l["case"] !== undefined), summary, exit }
}

// ---- tables -------------------------------------------------------------------------------

const connsTables = (records: ReadonlyArray<ScaleRecord>): string => {
  const sizes = [...new Set(records.map((r) => r.connections))]
  const impls = [...new Set(records.map((r) => r.impl))]
  const med = (impl: string, conns: number, side: "client" | "server", key: string): number =>
    median(records.filter((r) => ok(r) && r.impl === impl && r.connections === conns).map((r) => num(r[side]?.[key])))
  const kib = (x: number) => (Number.isFinite(x) ? x.toFixed(x < 10 ? 2 : 1) : "-")
  const rows: Array<Array<string>> = []
  for (const conns of sizes) {
    for (const impl of impls) {
      rows.push([
        conns.toLocaleString("en-US"),
        impl,
        String(roundsFor(conns)),
        fmt(med(impl, conns, "client", "rt_s")),
        fmt(med(impl, conns, "client", "rt_s_per_conn")),
        fmt(med(impl, conns, "client", "p50_us")),
        fmt(med(impl, conns, "client", "p99_us")),
        fmt(med(impl, conns, "client", "cpu_us_per_rt")),
        fmt(med(impl, conns, "server", "cpu_us_per_rt")),
        fmt(med(impl, conns, "server", "close_cpu_us_per_conn")),
        kib(med(impl, conns, "server", "rss_per_conn_kb")),
        kib(med(impl, conns, "server", "heap_per_conn_kb")),
        kib(med(impl, conns, "client", "rss_per_conn_kb")),
        kib(med(impl, conns, "client", "heap_per_conn_kb")),
        fmt(med(impl, conns, "client", "connect_s"))
      ])
    }
  }
  const main = mdTable(
    ["connections", "impl", "rounds/conn", "round trips/s", "per conn /s", "p50 us", "p99 us", "client CPU us/rt", "server CPU us/rt", "server close CPU us/conn", "server RSS KiB/conn", "server heap KiB/conn", "client RSS KiB/conn", "client heap KiB/conn", "connect all, s"],
    rows
  )
  if (!impls.includes("raw") || !impls.includes("efx")) return main
  const ratios = mdTable(
    ["connections", "round trips/s efx/raw", "server CPU/rt efx/raw", "server RSS/conn efx/raw", "server heap/conn efx/raw", "client RSS/conn efx/raw"],
    sizes.map((conns) => [
      conns.toLocaleString("en-US"),
      ratio(med("efx", conns, "client", "rt_s"), med("raw", conns, "client", "rt_s")),
      ratio(med("efx", conns, "server", "cpu_us_per_rt"), med("raw", conns, "server", "cpu_us_per_rt")),
      ratio(med("efx", conns, "server", "rss_per_conn_kb"), med("raw", conns, "server", "rss_per_conn_kb")),
      ratio(med("efx", conns, "server", "heap_per_conn_kb"), med("raw", conns, "server", "heap_per_conn_kb")),
      ratio(med("efx", conns, "client", "rss_per_conn_kb"), med("raw", conns, "client", "rss_per_conn_kb"))
    ])
  )
  return `${main}\n\nefx against raw (memory per connection: lower is better; a ratio of deltas, noisy at 1 connection):\n\n${ratios}`
}

const selectTable = (records: ReadonlyArray<SelectRecord>): string => {
  const all = records.flatMap((r) => r.cases)
  const keys = [...new Set(all.map((c) => `${num(c["n"])}:${num(c["k"])}`))]
  const med = (c: string, n: number, k: number, key: string) =>
    median(all.filter((x) => x["case"] === c && x["n"] === n && x["k"] === k).map((x) => num(x[key])))
  return mdTable(
    ["watched n", "ready k", "ready: us/call", "ready: CPU us/call", "ready: us per ready socket", "wait: us/round", "wait: CPU us/round", "wait: selects/round", "wait: us per ready socket"],
    keys.map((key) => {
      const [n, k] = key.split(":").map(Number) as [number, number]
      return [
        n.toLocaleString("en-US"),
        k.toLocaleString("en-US"),
        fmt(med("ready", n, k, "us_per_call")),
        fmt(med("ready", n, k, "cpu_us_per_call")),
        fmt(med("ready", n, k, "us_per_ready")),
        fmt(med("wait", n, k, "us_per_round")),
        fmt(med("wait", n, k, "cpu_us_per_round")),
        fmt(med("wait", n, k, "selects_per_round")),
        fmt(med("wait", n, k, "us_per_ready"))
      ]
    })
  )
}

// ---- main ---------------------------------------------------------------------------------

export const main = async (): Promise<void> => {
  for (const impl of IMPLS) if (impl !== "efx" && impl !== "raw") throw new Error(`scale runs exist for efx and raw, not ${impl}`)
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15)
  fs.mkdirSync(RESULTS, { recursive: true })
  const rawFile = path.join(RESULTS, `scale-${stamp}.jsonl`)
  const needConns = Math.max(0, ...CONNS) + SPARE_FDS
  const needSelect = 2 * Math.max(0, ...SELECT_N) + SPARE_FDS
  const fdWant = Math.max(needConns, needSelect, 1024)
  const fdLimit = reachableFdLimit(fdWant)
  const skipped: Array<string> = []
  const conns = CONNS.filter((c) => {
    if (c + SPARE_FDS <= fdLimit) return true
    skipped.push(`${c} connections: needs ${c + SPARE_FDS} descriptors per process, the limit reached is ${fdLimit} (ulimit -n)`)
    return false
  })
  const selectN = SELECT_N.filter((n) => {
    if (2 * n + SPARE_FDS <= fdLimit) return true
    skipped.push(`select over ${n} sockets: needs ${2 * n + SPARE_FDS} descriptors, the limit reached is ${fdLimit} (ulimit -n)`)
    return false
  })
  for (const s of skipped) process.stderr.write(`SKIPPED ${s}\n`)
  const meta: Json = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.availableParallelism(),
    kernel: os.release(),
    host: HOST,
    pin: PIN,
    reps: REPS,
    conns,
    impls: IMPLS,
    roundtrips: ROUNDTRIPS,
    min_rounds: MIN_ROUNDS,
    select_n: selectN,
    select_k: SELECT_K,
    fd_limit: fdLimit,
    skipped,
    taskset: hasTaskset,
    git: gitState(projectDir),
    load: os.loadavg().map((l) => l.toFixed(2)).join(" ")
  }
  fs.writeFileSync(rawFile, JSON.stringify({ meta }) + "\n")
  const t0 = performance.now()
  const elapsed = () => String(Math.round((performance.now() - t0) / 1000)).padStart(4)
  const connRecords: Array<ScaleRecord> = []
  const selectRecords: Array<SelectRecord> = []
  for (let rep = 1; rep <= REPS; rep++) {
    if (PARTS.includes("conns")) {
      for (const c of conns) {
        for (const impl of IMPLS) {
          process.stderr.write(`[${elapsed()}s] rep ${rep}/${REPS}  ${String(c).padStart(5)} connections  ${impl}\n`)
          const record = await runConns(impl, c, rep, fdWant)
          connRecords.push(record)
          fs.appendFileSync(rawFile, JSON.stringify(record) + "\n")
        }
      }
    }
    if (PARTS.includes("select") && selectN.length > 0) {
      process.stderr.write(`[${elapsed()}s] rep ${rep}/${REPS}  select over ${selectN.join("/")} sockets, ${SELECT_K.join("/")} ready\n`)
      const record = await runSelect(selectN, rep, fdWant)
      selectRecords.push(record)
      fs.appendFileSync(rawFile, JSON.stringify(record) + "\n")
    }
  }
  const seconds = Math.round((performance.now() - t0) / 1000)
  const loadAfter = os.loadavg().map((l) => l.toFixed(2)).join(" ")
  fs.appendFileSync(rawFile, JSON.stringify({ end: { seconds, load_after: loadAfter } }) + "\n")
  process.stderr.write(`done in ${seconds} s; raw results: ${path.relative(process.cwd(), rawFile)}\n\n`)
  const failed = connRecords.filter((r) => !ok(r)).length + selectRecords.filter((r) => r.summary === null).length
  const table = [
    `# effect-luasocket scale runs, ${String(meta["date"])}`,
    "",
    `node ${process.version}, ${String(meta["cpus"])} CPUs, kernel ${os.release()}, host ${HOST}, reps ${REPS} (medians), placement ${PIN}${PIN === "split" ? " (server CPU 0, client CPU 1; select on CPU 0)" : ""}${hasTaskset ? "" : " (taskset missing: not pinned)"}`,
    `descriptor limit of the children (ulimit -n): ${fdLimit}; load average before / after: ${String(meta["load"])} / ${loadAfter}`,
    gitLine(meta["git"]),
    ...skipped.map((s) => `SKIPPED: ${s}`),
    ...(failed > 0 ? [`WARNING: ${failed} failed run(s) excluded`] : []),
    "",
    ...(connRecords.length > 0
      ? [
        `## Concurrent connections (echo request/response, every connection at once; ${ROUNDTRIPS} round trips in total, at least ${MIN_ROUNDS} per connection)`,
        "",
        "Memory per connection: (memory with every connection open and idle - memory before the first) / connections, after a full GC; heap = V8 heap used + external (Buffers).",
        "",
        connsTables(connRecords),
        ""
      ]
      : []),
    ...(selectRecords.length > 0
      ? [
        "## Select (Effect core): n watched sockets, k of them ready",
        "",
        "ready: the k sockets have buffered data; one select call returns them (repeated without consuming). wait: the data arrives while select waits; select + receive until all k bytes are consumed (a round includes k sends and k receives).",
        "",
        selectTable(selectRecords),
        ""
      ]
      : [])
  ].join("\n")
  const mdFile = rawFile.replace(/\.jsonl$/, ".md")
  fs.writeFileSync(mdFile, table)
  process.stdout.write(table)
  process.stderr.write(`table: ${path.relative(process.cwd(), mdFile)}\n`)
  if (failed > 0) process.exitCode = 1
}
