/**
 * `npm run bench -- micro`: two in-process measurements behind choices in the line path,
 * REPS (5) times each, medians; prints a table and writes it to bench/results/micro-<stamp>.md.
 *
 * - views: the cost per line of cutting 64 KiB of 40-byte lines out of a 256 KiB storage
 *   (the ReadBuffer's case): `Buffer#indexOf` for the LF, then the line as
 *   `plain.subarray(from, to)` or as `new Uint8Array(memory, offset + from, length)`;
 * - would-block calls through the luasocket facade on `settimeout(0)` sockets (TCP
 *   `receive("*l")` and `accept()`, UDP `receive()` and `receivefrom()`: LuaSocket's
 *   `nil, "timeout"`), µs per call, also with `EFFECT_LUASOCKET_ERROR_STACKS=1` (errors with
 *   stack traces, in a child process);
 * - stream consumers: an Effect Stream of 5,000 pulls of 1,638 views each (one `Effect.async`
 *   wait per pull, as a socket stream waits for data), consumed by each of Effect's run
 *   functions, each in a fresh process (V8's allocation-site decisions are per process), and
 *   `runForEachChunk` once more under `--no-allocation-site-pretenuring`: elements/s and the
 *   number of full (mark-compact) GCs.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { PerformanceObserver, constants } from "node:perf_hooks"
import { fileURLToPath } from "node:url"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { gitState } from "./proc.js"
import { gitLine, mdTable, median } from "./summary.js"

const here = path.dirname(fileURLToPath(import.meta.url)) // dist/bench
const projectDir = path.resolve(here, "../..")
const REPS = Number(process.env.REPS ?? 5)

// ---- views ------------------------------------------------------------------------------

const LINE = 40
const LINES = 1638 // 64 KiB
const nsPerLine = (cut: (storage: Buffer, plain: Uint8Array, into: Array<Uint8Array>, end: number) => void): number => {
  const storage = Buffer.alloc(256 * 1024, 0x78)
  for (let i = 0; i < LINES; i++) storage[i * LINE + LINE - 1] = 10
  const plain = new Uint8Array(storage.buffer, storage.byteOffset, storage.length)
  const end = LINE * LINES
  for (let w = 0; w < 300; w++) cut(storage, plain, [], end) // warm-up (optimised code)
  const rounds = 2000
  const t0 = process.hrtime.bigint()
  for (let r = 0; r < rounds; r++) {
    const into: Array<Uint8Array> = []
    cut(storage, plain, into, end)
    if (into.length !== LINES) throw new Error(`cut ${into.length} lines, expected ${LINES}`)
  }
  return Number(process.hrtime.bigint() - t0) / rounds / LINES
}

const bySubarray = (storage: Buffer, plain: Uint8Array, into: Array<Uint8Array>, end: number) => {
  let from = 0
  for (;;) {
    const nl = storage.indexOf(10, from)
    if (nl === -1 || nl >= end) break
    into.push(plain.subarray(from, nl))
    from = nl + 1
  }
}

const byConstructor = (storage: Buffer, _plain: Uint8Array, into: Array<Uint8Array>, end: number) => {
  const memory = storage.buffer
  const base = storage.byteOffset
  let from = 0
  for (;;) {
    const nl = storage.indexOf(10, from)
    if (nl === -1 || nl >= end) break
    into.push(new Uint8Array(memory, base + from, nl - from))
    from = nl + 1
  }
}

// ---- stream consumers (one per child process) ----------------------------------------------

const PULLS = 5000
const CONSUMERS = ["runForEachChunk", "runForEach", "runFold", "mapChunks + runDrain", "toPull loop"] as const
type Consumer = (typeof CONSUMERS)[number]
/** The rows: a consumer, and V8 flags for its process (`--no-allocation-site-pretenuring`: see docs/performance.md). */
const STREAM_ROWS: ReadonlyArray<{ readonly consumer: Consumer; readonly flags: ReadonlyArray<string> }> = [
  ...CONSUMERS.map((consumer) => ({ consumer, flags: [] })),
  { consumer: "runForEachChunk", flags: ["--no-allocation-site-pretenuring"] }
]

const streamChild = async (consumer: Consumer): Promise<void> => {
  let majorGCs = 0
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if ((e as { readonly detail?: { readonly kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majorGCs++
  })
  observer.observe({ entryTypes: ["gc"] })
  const memory = new ArrayBuffer(LINE * LINES)
  let left = PULLS
  const wait = Effect.async<void>((resume) => {
    setImmediate(() => resume(Effect.void))
  })
  const make = () => {
    const out: Array<Uint8Array> = []
    for (let i = 0; i < LINES; i++) out.push(new Uint8Array(memory, i * LINE, LINE - 1))
    return Chunk.unsafeFromArray(out)
  }
  const stream = Stream.repeatEffectChunkOption(Effect.suspend(() => (left-- <= 0 ? Effect.fail(Option.none()) : Effect.map(wait, make))))
  let count = 0
  const runs: Record<Consumer, () => Effect.Effect<void>> = {
    runForEachChunk: () => Stream.runForEachChunk(stream, (c) => Effect.sync(() => void (count += c.length))),
    runForEach: () => Stream.runForEach(stream, () => Effect.sync(() => void count++)),
    runFold: () => Effect.map(Stream.runFold(stream, 0, (n) => n + 1), (n) => void (count = n)),
    "mapChunks + runDrain": () =>
      Stream.runDrain(Stream.mapChunks(stream, (c) => {
        count += c.length
        return c
      })),
    "toPull loop": () =>
      Effect.scoped(Effect.flatMap(Stream.toPull(stream), (pull) => {
        const loop: Effect.Effect<void> = Effect.matchEffect(pull, {
          onFailure: () => Effect.void,
          onSuccess: (c) => {
            count += c.length
            return loop
          }
        })
        return loop
      }))
  }
  const t0 = performance.now()
  await Effect.runPromise(runs[consumer]())
  const seconds = (performance.now() - t0) / 1000
  await new Promise((resolve) => setTimeout(resolve, 50)) // let the gc entries arrive
  observer.disconnect()
  if (count !== PULLS * LINES) throw new Error(`${consumer}: ${count} elements, expected ${PULLS * LINES}`)
  process.stdout.write(JSON.stringify({ consumer, per_s: count / seconds, major_gcs: majorGCs }) + "\n")
}

// ---- would-block calls through the luasocket facade -------------------------------------------------

const WOULD_BLOCK = ["tcp receive(\"*l\")", "tcp accept()", "udp receive()", "udp receivefrom()"] as const

/**
 * µs per call of each `WOULD_BLOCK` operation on a `settimeout(0)` socket with nothing to take
 * (LuaSocket: `nil, "timeout"`), `calls` calls each after a warm-up.
 */
const wouldBlockCalls = async (calls: number): Promise<Array<number>> => {
  const { default: socket } = await import("../src/luasocket/index.js")
  const [server] = await socket.bind("127.0.0.1", 0)
  const [, port] = await server!.getsockname()
  const [client] = await socket.connect("127.0.0.1", port as number)
  const [conn] = await server!.accept()
  const [udp] = await socket.udp()
  try {
    await conn!.settimeout(0)
    await server!.settimeout(0)
    await udp!.setsockname("127.0.0.1", 0)
    await udp!.settimeout(0)
    const ops: Array<() => Promise<ReadonlyArray<unknown>> | ReadonlyArray<unknown>> = [
      () => conn!.receive("*l"),
      () => server!.accept(),
      () => udp!.receive(),
      () => udp!.receivefrom()
    ]
    const out: Array<number> = []
    for (const call of ops) {
      for (let i = 0; i < 2000; i++) await call() // warm-up
      const t0 = process.hrtime.bigint()
      let last: ReadonlyArray<unknown> = []
      for (let i = 0; i < calls; i++) last = await call()
      out.push(Number(process.hrtime.bigint() - t0) / calls / 1000)
      if (last[1] !== "timeout") throw new Error(`expected nil, "timeout", got ${JSON.stringify(last)}`)
    }
    return out
  } finally {
    await client!.close()
    await conn!.close()
    await server!.close()
    await udp!.close()
  }
}

// ---- main ---------------------------------------------------------------------------------------

export const main = async (): Promise<void> => {
  const viewRows = [
    ["`plain.subarray(from, to)`", bySubarray],
    ["`new Uint8Array(memory, offset + from, length)`", byConstructor]
  ] as const
  const viewTimes = viewRows.map(() => [] as Array<number>)
  for (let rep = 0; rep < REPS; rep++) viewRows.forEach(([, cut], k) => viewTimes[k]!.push(nsPerLine(cut)))

  const streamResults = STREAM_ROWS.map(() => ({ perS: [] as Array<number>, gcs: [] as Array<number> }))
  for (let rep = 0; rep < REPS; rep++) {
    STREAM_ROWS.forEach(({ consumer, flags }, k) => {
      const child = spawnSync(process.execPath, [...flags, fileURLToPath(import.meta.url), "stream-child", consumer], { encoding: "utf8", timeout: 120_000 })
      const line = child.stdout.trim().split("\n").pop() ?? ""
      if (child.status !== 0 || !line.startsWith("{")) throw new Error(`stream child ${consumer} failed (${child.status}): ${child.stderr}`)
      const r = JSON.parse(line) as { per_s: number; major_gcs: number }
      streamResults[k]!.perS.push(r.per_s)
      streamResults[k]!.gcs.push(r.major_gcs)
    })
  }

  const wouldBlock = WOULD_BLOCK.map(() => [] as Array<number>)
  const withStacks = WOULD_BLOCK.map(() => [] as Array<number>)
  for (let rep = 0; rep < REPS; rep++) {
    ;(await wouldBlockCalls(20_000)).forEach((us, k) => wouldBlock[k]!.push(us))
    // the same calls with socket errors capturing stack traces (read when NetError loads: a child process)
    const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "wouldblock-child"], {
      encoding: "utf8",
      timeout: 120_000,
      env: { ...process.env, EFFECT_LUASOCKET_ERROR_STACKS: "1" }
    })
    const line = child.stdout.trim().split("\n").pop() ?? ""
    if (child.status !== 0 || !line.startsWith("[")) throw new Error(`would-block child failed (${child.status}): ${child.stderr}`)
    ;(JSON.parse(line) as Array<number>).forEach((us, k) => withStacks[k]!.push(us))
  }

  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15)
  const table = [
    `# effect-luasocket micro benchmarks, ${new Date().toISOString()}`,
    "",
    `node ${process.version}, REPS ${REPS}, medians; ${gitLine(gitState(projectDir))}`,
    "",
    `## A line as a view (${LINES} lines of ${LINE} bytes cut from a 256 KiB storage, LF found with Buffer#indexOf)`,
    "",
    mdTable(["view made with", "ns per line", "all repetitions"], viewRows.map(([name], k) => [name, median(viewTimes[k]!).toFixed(1), viewTimes[k]!.map((x) => x.toFixed(1)).join(" ")])),
    "",
    "## Would-block calls through the luasocket facade (`settimeout(0)`, nothing to take: `nil, \"timeout\"`; 20,000 calls each)",
    "",
    mdTable(
      ["call", "µs per call", "all repetitions", "with EFFECT_LUASOCKET_ERROR_STACKS=1", "all repetitions"],
      WOULD_BLOCK.map((name, k) => [
        name,
        median(wouldBlock[k]!).toFixed(2),
        wouldBlock[k]!.map((x) => x.toFixed(2)).join(" "),
        median(withStacks[k]!).toFixed(2),
        withStacks[k]!.map((x) => x.toFixed(2)).join(" ")
      ])
    ),
    "",
    `## An Effect Stream of ${PULLS} pulls x ${LINES} views, one async wait per pull, by consumer (a process each)`,
    "",
    mdTable(
      ["consumer", "elements/s", "full GCs", "all repetitions (M/s)"],
      STREAM_ROWS.map(({ consumer, flags }, k) => [
        flags.length === 0 ? consumer : `${consumer} (node ${flags.join(" ")})`,
        (median(streamResults[k]!.perS) / 1e6).toFixed(2) + "M",
        String(median(streamResults[k]!.gcs)),
        streamResults[k]!.perS.map((x) => (x / 1e6).toFixed(2)).join(" ")
      ])
    ),
    ""
  ].join("\n")
  const results = path.resolve(projectDir, process.env.RESULTS ?? "bench/results")
  fs.mkdirSync(results, { recursive: true })
  const file = path.join(results, `micro-${stamp}.md`)
  fs.writeFileSync(file, table + "\n")
  process.stdout.write(table + "\n")
  process.stderr.write(`table: ${path.relative(process.cwd(), file)}\n`)
}

if (process.argv[2] === "wouldblock-child") {
  wouldBlockCalls(20_000).then(
    (us) => process.stdout.write(JSON.stringify(us) + "\n"),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
      process.exitCode = 1
    }
  )
}

if (process.argv[2] === "stream-child") {
  streamChild(process.argv[3] as Consumer).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    process.exitCode = 1
  })
}
