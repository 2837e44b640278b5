/**
 * `npm run bench`: runs the socket workloads W1-W5 for raw Node ("raw", the baseline),
 * the Effect core ("efx"), the Promise API ("promise") and the luasocket facade
 * ("facade"), each as a server + client process pair, and prints a table of medians
 * with the ratios against raw (and of promise / facade against efx), peak RSS and CPU.
 * `npm run bench -- scale` (or SCALE=1) runs the scale runs instead (bench/scale.ts);
 * `npm run bench -- slow` a slow consumer of a fast sender (bench/slow.ts).
 *
 * Environment (defaults sized for a run of about 6 minutes on 2 cores):
 *   REPS=3  IMPLS="raw efx promise facade stream"  WORKLOADS="w1 w2 w3 w4 w5 w2:same w5:same"  HOST=127.0.0.1
 *   W1_BYTES=268435456  W2_ROUNDTRIPS=20000  W3_LINES=2000000  W4_DATAGRAMS=100000  W5_CONNS=3000
 *   TIMEOUT=60 (seconds per process; killed after)
 *   PIN=split (server CPU 0, client CPU 1) | same (both CPU 0) | none; "w2:same" overrides per workload
 *   RESULTS=<dir> (default bench/results): run-<stamp>.jsonl (raw records) and run-<stamp>.md (table)
 * Repetitions are interleaved (rep 1: w1 raw, w1 efx, w1 promise, ..., w2 raw, ...) so
 * that drift of a noisy machine hits every implementation alike.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { gitState, hasTaskset, lastJson, pinPrefix, type Proc, start as startProcess, tail, waitPort } from "./proc.js"
import { isOk, type Json, type RunRecord, summarize } from "./summary.js"

const here = path.dirname(fileURLToPath(import.meta.url)) // dist/bench
const projectDir = path.resolve(here, "../..")

const env = process.env
const REPS = Number(env.REPS ?? 3)
const IMPLS = (env.IMPLS ?? "raw efx promise facade stream").split(/\s+/).filter(Boolean)
const WORKLOADS = (env.WORKLOADS ?? "w1 w2 w3 w4 w5 w2:same w5:same").split(/\s+/).filter(Boolean)
const HOST = env.HOST ?? "127.0.0.1"
const TIMEOUT_S = Number(env.TIMEOUT ?? 60)
const PIN = env.PIN ?? "split"
const RESULTS = path.resolve(projectDir, env.RESULTS ?? "bench/results")
const SIZES: Record<string, number> = {
  w1: Number(env.W1_BYTES ?? 256 * 1024 * 1024),
  w2: Number(env.W2_ROUNDTRIPS ?? 20000),
  w3: Number(env.W3_LINES ?? 2000000),
  w4: Number(env.W4_DATAGRAMS ?? 100000),
  w5: Number(env.W5_CONNS ?? 3000)
}

const PROGRAMS: Record<string, { server: string; client: string; env?: Record<string, string>; only?: ReadonlyArray<string> }> = {
  raw: { server: "raw-server.js", client: "raw-client.js" },
  efx: { server: "server.js", client: "client.js" },
  promise: { server: "promise-server.js", client: "promise-client.js" },
  facade: { server: "facade-server.js", client: "facade-client.js" },
  // The Effect core's line Stream (`Streams.lines`, a Chunk of lines per pull): W3 only.
  stream: { server: "server.js", client: "client.js", env: { EFX_W3: "stream" }, only: ["w3"] }
}

/** `npm run bench -- scale` or SCALE=1: the scale runs (bench/scale.ts) instead of the workloads. */
const SCALE_MODE = process.argv[2] === "scale" || (env.SCALE !== undefined && env.SCALE !== "" && env.SCALE !== "0")
/** `npm run bench -- slow`: a slow consumer of a fast sender (bench/slow.ts) instead of the workloads. */
const SLOW_MODE = process.argv[2] === "slow"
/** `npm run bench -- micro`: the in-process measurements of bench/micro.ts instead of the workloads. */
const MICRO_MODE = process.argv[2] === "micro"

if (!SCALE_MODE && !SLOW_MODE && !MICRO_MODE) {
  if (process.argv[2] !== undefined) throw new Error(`unknown argument ${process.argv[2]} (expected nothing, "scale", "slow" or "micro")`)
  for (const impl of IMPLS) if (PROGRAMS[impl] === undefined) throw new Error(`unknown implementation ${impl} (expected ${Object.keys(PROGRAMS).join(", ")})`)
  for (const spec of WORKLOADS) if (SIZES[spec.split(":")[0]!] === undefined) throw new Error(`unknown workload ${spec}`)
}

const cpus = os.availableParallelism()
const start = (argv: Array<string>, env?: Record<string, string>) => startProcess(argv, TIMEOUT_S, projectDir, env)

const runOne = async (impl: string, spec: string, rep: number): Promise<RunRecord> => {
  const [workload, placeOverride] = spec.split(":") as [string, string | undefined]
  const placement = placeOverride ?? PIN
  const n = SIZES[workload]!
  const programs = PROGRAMS[impl]!
  const server = start([...pinPrefix(placement, "server"), process.execPath, path.join(here, programs.server), workload, HOST, String(n)])
  const port = await waitPort(server)
  let client: Proc | undefined
  if (port !== undefined) {
    client = start([...pinPrefix(placement, "client"), process.execPath, path.join(here, programs.client), workload, HOST, String(port), String(n)], programs.env)
    await client.exited
  } else {
    server.kill()
  }
  // A server whose client failed would wait forever: give it a moment, then stop it
  // (a W4 server stops by itself at most 2 x 2 s after the last datagram).
  const grace = setTimeout(() => server.kill(), 8000)
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
    if (server.stderr.trim() !== "") process.stderr.write(`  server stderr:\n${tail(server.stderr)}\n`)
    if (client !== undefined && client.stderr.trim() !== "") process.stderr.write(`  client stderr:\n${tail(client.stderr)}\n`)
  }
  return record
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
    workloads: WORKLOADS,
    taskset: hasTaskset,
    git: gitState(projectDir),
    // Other processes on the machine skew every figure: the load average says whether there were any.
    load: os.loadavg().map((l) => l.toFixed(2)).join(" ")
  }
  fs.writeFileSync(rawFile, JSON.stringify({ meta }) + "\n")
  const records: Array<RunRecord> = []
  const t0 = performance.now()
  for (let rep = 1; rep <= REPS; rep++) {
    for (const spec of WORKLOADS) {
      for (const impl of IMPLS) {
        const only = PROGRAMS[impl]!.only
        if (only !== undefined && !only.includes(spec.split(":")[0]!)) continue
        const elapsed = Math.round((performance.now() - t0) / 1000)
        process.stderr.write(`[${String(elapsed).padStart(4)}s] rep ${rep}/${REPS}  ${spec.padEnd(8)} ${impl}\n`)
        const record = await runOne(impl, spec, rep)
        records.push(record)
        fs.appendFileSync(rawFile, JSON.stringify(record) + "\n")
      }
    }
  }
  const seconds = Math.round((performance.now() - t0) / 1000)
  const end = { seconds, load_after: os.loadavg().map((l) => l.toFixed(2)).join(" ") }
  fs.appendFileSync(rawFile, JSON.stringify({ end }) + "\n")
  process.stderr.write(`done in ${seconds} s; raw results: ${path.relative(process.cwd(), rawFile)}\n\n`)
  const table = summarize(records, { ...meta, ...end })
  const mdFile = rawFile.replace(/\.jsonl$/, ".md")
  fs.writeFileSync(mdFile, table)
  process.stdout.write(table)
  process.stderr.write(`table: ${path.relative(process.cwd(), mdFile)}\n`)
  process.stderr.write(`chart: npm run bench:chart (docs/performance-chart.svg from the latest run)\n`)
  if (records.some((r) => !isOk(r))) process.exitCode = 1
}

if (SCALE_MODE || SLOW_MODE || MICRO_MODE) {
  import(SLOW_MODE ? "./slow.js" : MICRO_MODE ? "./micro.js" : "./scale.js").then((m: { main: () => Promise<void> }) => m.main()).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    process.exitCode = 1
  })
} else {
  void main()
}
