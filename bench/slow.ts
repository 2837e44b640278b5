/**
 * `npm run bench -- slow`: a slow consumer of a fast sender (bench/slow-consumer.ts), REPS
 * times: the receiver consumes SLOW_CHUNK_KIB (64) every SLOW_DELAY_MS (5) ms until SLOW_MIB
 * (64) MiB; the sender sends them in 1 MiB sends as fast as they complete. Prints a table (and
 * writes it to bench/results/slow-<stamp>.md): the receiver's buffered data at most, each side's
 * peak heap + external memory and peak RSS. Issue 8's target: the buffered data stays under
 * 32 MiB.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { gitState, lastJson, pinPrefix, start, tail, waitPort } from "./proc.js"
import { gitLine, mdTable, median } from "./summary.js"

const here = path.dirname(fileURLToPath(import.meta.url)) // dist/bench
const projectDir = path.resolve(here, "../..")
const env = process.env
const REPS = Number(env.REPS ?? 3)
const MIB = Number(env.SLOW_MIB ?? 64)
const CHUNK_KIB = Number(env.SLOW_CHUNK_KIB ?? 64)
const DELAY_MS = Number(env.SLOW_DELAY_MS ?? 5)
const HOST = env.HOST ?? "127.0.0.1"
const PIN = env.PIN ?? "split"
const TIMEOUT_S = Number(env.TIMEOUT ?? 120)

const f = (x: number): string => x.toFixed(2)

export const main = async (): Promise<void> => {
  const script = path.join(here, "slow-consumer.js")
  const rows: Array<Record<string, number>> = []
  for (let rep = 1; rep <= REPS; rep++) {
    const receiver = start([...pinPrefix(PIN, "server"), process.execPath, script, "receiver", HOST, String(MIB), String(CHUNK_KIB), String(DELAY_MS)], TIMEOUT_S, projectDir)
    const port = await waitPort(receiver)
    if (port === undefined) throw new Error(`receiver did not start: ${tail(receiver.stderr)}`)
    const sender = start([...pinPrefix(PIN, "client"), process.execPath, script, "sender", HOST, String(port), String(MIB)], TIMEOUT_S, projectDir)
    await Promise.all([receiver.exited, sender.exited])
    const r = lastJson(receiver.stdout)
    const s = lastJson(sender.stdout)
    if (r === null || s === null || "error" in r || "error" in s) {
      throw new Error(`run ${rep} failed: receiver ${tail(receiver.stdout + receiver.stderr)} / sender ${tail(sender.stdout + sender.stderr)}`)
    }
    const row = {
      consumed_mib: Number(r.consumed) / 1048576,
      seconds: Number(r.seconds),
      max_buffered_mib: Number(r.max_buffered_kib) / 1024,
      receiver_heap_mib: Number(r.max_heap_external_kib) / 1024,
      receiver_rss_mib: Number(r.maxrss_kb) / 1024,
      sender_heap_mib: Number(s.max_heap_external_kib) / 1024,
      sender_rss_mib: Number(s.maxrss_kb) / 1024
    }
    rows.push(row)
    process.stderr.write(`run ${rep}/${REPS}: ${JSON.stringify(row)}\n`)
  }
  const keys = ["max_buffered_mib", "receiver_heap_mib", "receiver_rss_mib", "sender_heap_mib", "sender_rss_mib", "seconds"] as const
  const med = (k: (typeof keys)[number]) => median(rows.map((r) => r[k]!))
  const max = (k: (typeof keys)[number]) => Math.max(...rows.map((r) => r[k]!))
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "").replace("T", "-")
  const table = [
    `# effect-luasocket: a slow consumer of a fast sender, ${new Date().toISOString()}`,
    "",
    `node ${process.version}, host ${HOST}, placement ${PIN}, ${REPS} runs; the receiver consumes ${CHUNK_KIB} KiB every ${DELAY_MS} ms until ${MIB} MiB, the sender sends ${MIB} x 1 MiB as fast as \`send\` completes (Effect core, default socket options).`,
    gitLine(gitState(projectDir)),
    "",
    mdTable(
      ["", "median", "max"],
      [
        ["receiver: buffered data (received, not consumed), MiB", f(med("max_buffered_mib")), f(max("max_buffered_mib"))],
        ["receiver: heap + external, MiB (peak)", f(med("receiver_heap_mib")), f(max("receiver_heap_mib"))],
        ["receiver: RSS, MiB (peak)", f(med("receiver_rss_mib")), f(max("receiver_rss_mib"))],
        ["sender: heap + external, MiB (peak)", f(med("sender_heap_mib")), f(max("sender_heap_mib"))],
        ["sender: RSS, MiB (peak)", f(med("sender_rss_mib")), f(max("sender_rss_mib"))],
        ["run, s", f(med("seconds")), f(max("seconds"))]
      ]
    ),
    "",
    "Target (issue 8): the buffered data stays under 32 MiB.",
    ""
  ].join("\n")
  const dir = path.join(projectDir, env.RESULTS ?? "bench/results")
  fs.mkdirSync(dir, { recursive: true })
  const file = path.join(dir, `slow-${stamp}.md`)
  fs.writeFileSync(file, table)
  process.stdout.write(table)
  process.stderr.write(`table: ${path.relative(process.cwd(), file)}\n`)
}
