/**
 * Scale run: the cost of `Select.select` (the Effect core's LuaSocket `socket.select`)
 * over n watched TCP sockets of which k are ready. One process, loopback.
 * usage: node --expose-gc dist/bench/select-bench.js <host> <n,n,...> <k,k,...> [seconds per case]
 * (`all` among the k: k = n)
 *
 * Opens max(n) connected pairs (2 descriptors each), watches the first n client
 * sockets, and makes k of them (spread over the array) readable by writing one byte
 * on their peers. Two measurements per (n, k):
 *
 * - ready: the k bytes are already buffered; `select(readers)` returns at once with
 *   the k sockets. Repeated without consuming: the cost of one call that finds k
 *   ready among n (one pass over the inputs, then the result lists).
 * - wait: nothing is ready when select is called; the k peers' bytes arrive while it
 *   waits (written just before the call, read by Node on the next turn of the event
 *   loop); the loop selects and receives until all k bytes are consumed. The cost
 *   of a round includes the k writes and the k reads, and the registration of each
 *   of the n sockets (its Readiness slot) per waiting call; `selects_per_round` is 1
 *   when one call returns every socket that became ready in the same turn.
 *
 * The first size is run twice, the first time as an unreported warm-up.
 * Each case reports wall time and the process's CPU time (user + system, `process.cpuUsage`)
 * per call / round: on a loaded machine the CPU time is the steadier figure.
 *
 * Prints one JSON line per case and a last line {"done": true, ...}.
 */
import * as Effect from "effect/Effect"
import { ReadBuffer, Select, Tcp } from "../src/index.js"
import { emit, fail, now, openFilesLimit } from "./common.js"

const [host, nArg, kArg, secondsArg] = process.argv.slice(2) as [string, string, string, string | undefined]
const base = { mode: "select" }
const ns = (nArg ?? "").split(",").map(Number).filter((x) => x > 0)
/** The k of each case; 0 stands for `all` (k = n). */
const ks = (kArg ?? "").split(",").map((x) => (x.trim() === "all" ? 0 : Number(x))).filter((x) => x >= 0 && Number.isFinite(x))
const SECONDS = Number(secondsArg ?? 0.25)
if (host === undefined || ns.length === 0 || ks.length === 0) fail(base, new Error("usage: select-bench <host> <n,...> <k,...> [seconds]"))
const maxN = Math.max(...ns)

/** Every case stops after SECONDS or this many calls / rounds. */
const MAX_CALLS = 200_000
const ONE = Buffer.from("x", "latin1")
const byte = ReadBuffer.exactly(1)

/** CPU time of this process (user + system) in seconds. */
const cpu = (): number => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}

/** k indices spread over 0..n-1. */
const spread = (n: number, k: number): Array<number> => Array.from({ length: k }, (_, i) => Math.floor((i * n) / k))

const program = Effect.scoped(Effect.gen(function*() {
  const server = yield* Tcp.listen(host, 0, { backlog: 1024, maxPending: maxN + 16 })
  const { port } = yield* server.getSockName()
  const t0 = now()
  const clients = yield* Effect.forEach(Array.from({ length: maxN }, (_, i) => i), () => Tcp.connect(host, port), { concurrency: 128 })
  const peers = new Map<number, Tcp.TcpSocket>()
  for (let i = 0; i < maxN; i++) {
    const peer = yield* server.accept()
    const { port: peerPort } = yield* peer.getPeerName()
    peers.set(peerPort, peer)
  }
  const peerOf: Array<Tcp.TcpSocket> = []
  for (const c of clients) {
    const { port: local } = yield* c.getSockName()
    const peer = peers.get(local)
    if (peer === undefined) return yield* Effect.dieMessage(`no peer for local port ${local}`)
    peerOf.push(peer)
  }
  const setup_s = now() - t0

  /** Writes one byte on the peers of `idx`. */
  const poke = (idx: ReadonlyArray<number>) => Effect.forEach(idx, (i) => peerOf[i]!.send(ONE), { discard: true })
  /** Receives the byte of each socket in `ready`; returns how many. */
  const drain = (ready: ReadonlyArray<Tcp.TcpSocket>) => Effect.as(Effect.forEach(ready, (c) => c.receive(byte), { discard: true }), ready.length)

  const results: Array<Record<string, unknown>> = []
  // the first size twice: its first pass warms the code up and is not reported
  for (const [index, n] of [ns[0]!, ...ns].entries()) {
    const warmup = index === 0
    const readers = clients.slice(0, n)
    for (const kk of ks) {
      const k = kk === 0 ? n : kk
      if (k > n || (kk !== 0 && k === n && ks.includes(0))) continue
      const idx = spread(n, k)

      // ready: k bytes buffered, select returns at once; repeated without consuming.
      yield* poke(idx)
      let waited = 0
      for (;;) {
        const r = yield* Effect.either(Select.select(readers, undefined, 0))
        if (r._tag === "Right" && r.right.readable.length === k) break
        if (++waited > 2000) return yield* Effect.dieMessage(`ready: ${k} sockets not readable after 2 s`)
        yield* Effect.sleep("1 millis")
      }
      let calls = 0
      let returned = 0
      const tReady = now()
      const cReady = cpu()
      while (calls < MAX_CALLS) {
        const ready = yield* Select.select(readers)
        returned += ready.readable.length
        calls++
        if ((calls & 63) === 0 && now() - tReady >= SECONDS) break
      }
      const readySeconds = now() - tReady
      const readyCpu = cpu() - cReady
      if (returned !== calls * k) return yield* Effect.dieMessage(`ready: expected ${k} per call, got ${returned / calls}`)
      yield* drain(idx.map((i) => readers[i]!))
      if (!warmup) results.push({ case: "ready", n, k, calls, us_per_call: (readySeconds / calls) * 1e6, cpu_us_per_call: (readyCpu / calls) * 1e6, us_per_ready: (readySeconds / calls / k) * 1e6 })

      // wait: the bytes arrive while select waits; select + receive until all k are consumed.
      let rounds = 0
      let selects = 0
      const tWait = now()
      const cWait = cpu()
      while (rounds < MAX_CALLS && now() - tWait < SECONDS) {
        yield* poke(idx)
        let got = 0
        while (got < k) {
          const ready = yield* Select.select(readers)
          selects++
          got += yield* drain(ready.readable)
        }
        rounds++
      }
      const waitSeconds = now() - tWait
      const waitCpu = cpu() - cWait
      if (!warmup) results.push({ case: "wait", n, k, rounds, selects_per_round: selects / rounds, us_per_round: (waitSeconds / rounds) * 1e6, cpu_us_per_round: (waitCpu / rounds) * 1e6, cpu_us_per_select: (waitCpu / selects) * 1e6, us_per_ready: (waitSeconds / rounds / k) * 1e6 })
    }
  }
  return { results, setup_s }
}))

Effect.runPromise(program).then(
  ({ results, setup_s }) => {
    for (const r of results) emit({ ...base, ...r })
    emit({ ...base, done: true, sockets: maxN, setup_s, fd_limit: openFilesLimit() })
    setTimeout(() => process.exit(0), 200).unref()
  },
  (e: unknown) => fail(base, e)
)
