/**
 * ReadBuffer against a pure model of LuaSocket's receive patterns
 * (spec/reference-semantics.md section 1, "receive"; LuaSocket's buffer.c).
 *
 * The buffer is transport-agnostic: it is fed with `push` / `pushEnd` / `pushError` /
 * `close` and drives a `FlowControl`, which here is a small recorder (the buffer's own
 * interface, not a mock of `net`).
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Duration, Effect, Exit, FastCheck as fc, Fiber, Option, TestClock } from "effect"
import * as NetError from "../../src/core/NetError.js"
import { type FlowControl, ReadBuffer, type Pattern, all, available, exactly, line, lineMax } from "../../src/core/ReadBuffer.js"
import * as Timeout from "../../src/core/Timeout.js"

// ---- the model ----------------------------------------------------------------------

const LF = 10
const CR = 13

/** How the stream ends: the peer closes, or the transport fails (reported after the buffered bytes). */
type End = { readonly _tag: "Eof" } | { readonly _tag: "Error"; readonly error: NetError.NetError }

/** What a receive gives: the bytes, or the typed error with its partial bytes. */
type Outcome =
  | { readonly _tag: "Ok"; readonly bytes: Uint8Array }
  | { readonly _tag: "Fail"; readonly tag: NetError.NetErrorTag; readonly code: string | undefined; readonly partial: Uint8Array }

/** The bytes buffered (pushed and not yet received) and whether the stream has ended. */
interface ModelState {
  readonly buffered: Uint8Array
  readonly end: End | undefined
}

const MORE = "more" as const

const cat = (...parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** `*l` drops every CR of the line (not only the one before the LF). */
const withoutCRs = (bytes: Uint8Array): Uint8Array => bytes.filter((b) => b !== CR)

/**
 * One LuaSocket receive on the model: the outcome and the bytes left buffered, or MORE
 * when it must wait for the transport. Every failure consumes what it returns as partial.
 */
const modelReceive = (
  state: ModelState,
  pattern: Pattern,
  prefix: Uint8Array
): { readonly outcome: Outcome; readonly rest: Uint8Array } | typeof MORE => {
  const buf = state.buffered
  const ok = (bytes: Uint8Array, consumed: number) => ({ outcome: { _tag: "Ok" as const, bytes }, rest: buf.slice(consumed) })
  const failEnd = (partial: Uint8Array) => {
    const end = state.end!
    const outcome: Outcome = end._tag === "Eof"
      ? { _tag: "Fail", tag: "Closed", code: undefined, partial }
      : { _tag: "Fail", tag: end.error._tag, code: end.error.code, partial }
    return { outcome, rest: new Uint8Array(0) }
  }
  switch (pattern._tag) {
    case "Line": {
      const max = pattern.maxLength
      const lf = buf.indexOf(LF)
      const lineLength = lf === -1 ? buf.length : lf
      if (max !== undefined && lineLength > max) {
        // Too long: the first max + 1 bytes of the line are consumed (the LF and later lines stay).
        const taken = buf.subarray(0, max + 1)
        return {
          outcome: { _tag: "Fail", tag: "LineTooLong", code: undefined, partial: cat(prefix, withoutCRs(taken)) },
          rest: buf.slice(max + 1)
        }
      }
      if (lf !== -1) return ok(cat(prefix, withoutCRs(buf.subarray(0, lf))), lf + 1)
      return state.end === undefined ? MORE : failEnd(cat(prefix, withoutCRs(buf)))
    }
    case "Exactly": {
      const n = pattern.count
      // n counts the prefix; a prefix that already has n bytes comes back untouched.
      if (prefix.length > 0 && n <= prefix.length) return ok(prefix, 0)
      const need = n - prefix.length
      if (need === 0) {
        // receive(0) with no prefix: one wait for readability.
        if (buf.length > 0) return ok(new Uint8Array(0), 0)
        return state.end === undefined ? MORE : failEnd(prefix)
      }
      if (buf.length >= need) return ok(cat(prefix, buf.subarray(0, need)), need)
      return state.end === undefined ? MORE : failEnd(cat(prefix, buf))
    }
    case "All": {
      if (state.end === undefined) return MORE
      if (state.end._tag === "Eof" && buf.length > 0) return ok(cat(prefix, buf), buf.length)
      return failEnd(cat(prefix, buf))
    }
    case "Available": {
      if (buf.length > 0) {
        const n = pattern.max === undefined ? buf.length : Math.min(buf.length, pattern.max)
        return ok(cat(prefix, buf.subarray(0, n)), n)
      }
      return state.end === undefined ? MORE : failEnd(prefix)
    }
  }
}

// ---- comparing the implementation with the model --------------------------------------

const hex = (u: Uint8Array): string => Buffer.from(u.buffer, u.byteOffset, u.length).toString("hex")

/** A comparable rendering of an outcome. */
const showOutcome = (o: Outcome) =>
  o._tag === "Ok" ? { ok: hex(o.bytes) } : { fail: o.tag, code: o.code, partial: hex(o.partial) }

const showExit = (exit: Exit.Exit<Uint8Array, NetError.NetError>) => {
  if (Exit.isSuccess(exit)) return { ok: hex(exit.value) }
  const failure = Cause.failureOption(exit.cause)
  if (Option.isNone(failure)) return { defect: Cause.pretty(exit.cause) }
  const e = failure.value
  return { fail: e._tag, code: e.code, partial: e.partial === undefined ? "<none>" : hex(e.partial) }
}

const describeReceive = (pattern: Pattern, prefix: Uint8Array): string => `${JSON.stringify(pattern)} prefix=${hex(prefix)}`

// ---- flow control recorder ---------------------------------------------------------------

/** Records pause / resume and checks each call against the buffer it belongs to. */
class FlowRecorder implements FlowControl {
  paused = false
  pauses = 0
  resumes = 0
  readonly violations: Array<string> = []
  buffer: ReadBuffer | undefined = undefined
  onChange: (paused: boolean) => void = () => {}

  pause(): void {
    if (this.paused) this.violations.push("pause() while already paused")
    const b = this.buffer
    if (b !== undefined && b.length < b.highWaterMark) this.violations.push(`pause() with ${b.length} < hwm ${b.highWaterMark} buffered`)
    this.paused = true
    this.pauses++
    this.onChange(true)
  }

  resume(): void {
    if (!this.paused) this.violations.push("resume() while not paused")
    const b = this.buffer
    if (b !== undefined && b.length >= b.highWaterMark) this.violations.push(`resume() with ${b.length} >= hwm ${b.highWaterMark} buffered`)
    this.paused = false
    this.resumes++
    this.onChange(false)
  }
}

const makeBuffer = (highWaterMark?: number): { readonly buffer: ReadBuffer; readonly flow: FlowRecorder } => {
  const flow = new FlowRecorder()
  const buffer = highWaterMark === undefined ? new ReadBuffer(flow) : new ReadBuffer(flow, highWaterMark)
  flow.buffer = buffer
  return { buffer, flow }
}

const bytes = (s: string): Uint8Array => Buffer.from(s, "latin1")
/** Where the first LF lies in what `b` holds (-1: none), without consuming it (taken with `poll(available())`, put back with `unshift`). */
const peekLF = (b: ReadBuffer): number => {
  const all = b.poll(available())
  if (!(all instanceof Uint8Array)) return -1
  b.unshift(all)
  return all.indexOf(LF)
}
const text = (u: Uint8Array): string => Buffer.from(u.buffer, u.byteOffset, u.length).toString("latin1")

// ---- arbitraries ---------------------------------------------------------------------------

/** A byte, with LF, CR, NUL and 0xFF frequent. */
const byte = fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: 255 }) }, { weight: 2, arbitrary: fc.constantFrom(LF, CR, 0, 0xff) })

/** Stream content: random bytes, sometimes around a shuffled copy of all 256 values. */
const content = fc.oneof(
  { weight: 4, arbitrary: fc.array(byte, { maxLength: 120 }).map((a) => Uint8Array.from(a)) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.shuffledSubarray(Array.from({ length: 256 }, (_, i) => i), { minLength: 256 }), fc.array(byte, { maxLength: 20 }))
      .map(([all256, extra]) => Uint8Array.from([...extra, ...all256]))
  }
)

/** Any chunking of the content (empty chunks included). */
const chunked = content.chain((data) =>
  fc.array(fc.integer({ min: 0, max: data.length }), { maxLength: 12 }).map((cuts) => {
    const points = [0, ...cuts.sort((a, b) => a - b), data.length]
    const chunks: Array<Uint8Array> = []
    for (let k = 1; k < points.length; k++) chunks.push(data.slice(points[k - 1], points[k]))
    return { data, chunks }
  })
)

const endArb: fc.Arbitrary<End> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<End>({ _tag: "Eof" }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<End>(
      { _tag: "Error", error: new NetError.Closed({ operation: "receive", code: "ECONNRESET" }) },
      { _tag: "Error", error: new NetError.Unknown({ operation: "receive", code: "EIO" }) },
      { _tag: "Error", error: new NetError.Timeout({ operation: "receive", code: "ETIMEDOUT" }) }
    )
  }
)

const count = fc.oneof(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 60 }))

const patternArb = (withAvailable: boolean): fc.Arbitrary<Pattern> =>
  fc.oneof(
    { weight: 5, arbitrary: fc.constant(line) },
    { weight: 2, arbitrary: count.map(lineMax) },
    { weight: 1, arbitrary: fc.constant(all) },
    { weight: 5, arbitrary: count.map(exactly) },
    { weight: withAvailable ? 3 : 0, arbitrary: fc.constant(available()) },
    { weight: withAvailable ? 3 : 0, arbitrary: count.map(available) }
  )

const prefixArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant(new Uint8Array(0)) },
  { weight: 2, arbitrary: fc.array(byte, { minLength: 1, maxLength: 6 }).map((a) => Uint8Array.from(a)) }
)

const receivesArb = (withAvailable: boolean) => fc.array(fc.record({ pattern: patternArb(withAvailable), prefix: prefixArb }), { minLength: 1, maxLength: 12 })

const hwmArb = fc.oneof(fc.constantFrom(1, 2, 3, 5, 8, 16, 64), fc.constant(undefined))

// ---- properties ------------------------------------------------------------------------------

describe("ReadBuffer equals the LuaSocket model", () => {
  it.prop(
    "data already buffered: every receive completes synchronously with the model's result",
    [chunked, endArb, receivesArb(true), hwmArb],
    ([{ chunks, data }, end, receives, hwm]) => {
      const { buffer, flow } = makeBuffer(hwm)
      for (const c of chunks) buffer.push(c)
      if (end._tag === "Eof") buffer.pushEnd()
      else buffer.pushError(end.error)
      expect(buffer.received).toBe(data.length)
      let state: ModelState = { buffered: data, end }
      for (const { pattern, prefix } of receives) {
        const want = modelReceive(state, pattern, prefix)
        if (want === MORE) throw new Error("the model waits although the stream has ended")
        // runSyncExit dies if the receive suspends: buffered data must take the synchronous path
        const got = Effect.runSyncExit(buffer.receive(pattern, prefix))
        expect(showExit(got), describeReceive(pattern, prefix)).toStrictEqual(showOutcome(want.outcome))
        state = { buffered: want.rest, end }
        expect(buffer.length).toBe(state.buffered.length)
        expect(buffer.dirty).toBe(state.buffered.length > 0)
        expect(buffer.readable).toBe(true)
        expect(buffer.ended).toBe(true)
      }
      expect(flow.violations).toStrictEqual([])
    },
    { fastCheck: { numRuns: 300 } }
  )

  it.live.prop(
    "data arriving while a receive waits: chunks pushed one by one from the transport side",
    [chunked, endArb, receivesArb(true), hwmArb, fc.nat()],
    ([{ chunks }, end, receives, hwm, prePushSeed]) =>
      Effect.gen(function*() {
        const { buffer, flow } = makeBuffer(hwm)
        type Item = { readonly _tag: "Chunk"; readonly chunk: Uint8Array } | End
        const items: Array<Item> = [...chunks.map((chunk) => ({ _tag: "Chunk" as const, chunk })), end]
        let next = 0
        let state: ModelState = { buffered: new Uint8Array(0), end: undefined }
        const pushNext = () => {
          const item = items[next++]!
          if (item._tag === "Chunk") {
            buffer.push(item.chunk)
            state = { buffered: cat(state.buffered, item.chunk), end: undefined }
          } else {
            if (item._tag === "Eof") buffer.pushEnd()
            else buffer.pushError(item.error)
            state = { buffered: state.buffered, end: item }
          }
        }
        // Some chunks are already there when the first receive starts (the fast path), the rest arrive later.
        const prePushed = prePushSeed % (chunks.length + 1)
        for (let k = 0; k < prePushed; k++) pushNext()

        for (const { pattern, prefix } of receives) {
          const what = describeReceive(pattern, prefix)
          const fiber = yield* Effect.fork(buffer.receive(pattern, prefix))
          let want = modelReceive(state, pattern, prefix)
          while (want === MORE) {
            yield* Effect.yieldNow()
            expect(fiber.unsafePoll(), `${what} completed before the data it needs arrived`).toBeNull()
            pushNext()
            want = modelReceive(state, pattern, prefix)
          }
          const exit = yield* Fiber.await(fiber).pipe(
            Effect.timeoutFail({ duration: "1 second", onTimeout: () => new Error(`${what} did not complete`) })
          )
          expect(showExit(exit), what).toStrictEqual(showOutcome(want.outcome))
          state = { buffered: want.rest, end: state.end }
          expect(buffer.length).toBe(state.buffered.length)
          expect(buffer.dirty).toBe(state.buffered.length > 0)
          expect(buffer.readable).toBe(state.buffered.length > 0 || state.end !== undefined)
        }
        expect(flow.violations).toStrictEqual([])
      }),
    { fastCheck: { numRuns: 150 } }
  )

  it.live.prop(
    "a transport that honours pause: receives never stall, memory stays bounded, results equal the model",
    [chunked, endArb, receivesArb(false), fc.integer({ min: 1, max: 24 })],
    ([{ chunks, data }, end, receives, hwm]) =>
      Effect.gen(function*() {
        const { buffer, flow } = makeBuffer(hwm)
        const latch = yield* Effect.makeLatch(true)
        flow.onChange = (paused) => (paused ? latch.unsafeClose() : latch.unsafeOpen())
        const bound: Array<string> = []
        const pusher = yield* Effect.fork(
          Effect.gen(function*() {
            for (const chunk of chunks) {
              yield* latch.await
              buffer.push(chunk)
              if (buffer.length > hwm - 1 + chunk.length) bound.push(`${buffer.length} buffered after a push of ${chunk.length}`)
              if (buffer.length >= hwm && !flow.paused) bound.push(`${buffer.length} >= hwm buffered and not paused`)
              yield* Effect.yieldNow()
            }
            if (end._tag === "Eof") buffer.pushEnd()
            else buffer.pushError(end.error)
          })
        )
        let state: ModelState = { buffered: data, end }
        for (const { pattern, prefix } of receives) {
          const what = describeReceive(pattern, prefix)
          const want = modelReceive(state, pattern, prefix)
          if (want === MORE) throw new Error("the model waits although the stream has ended")
          const exit = yield* Effect.exit(buffer.receive(pattern, prefix)).pipe(
            Effect.timeoutFail({ duration: "1 second", onTimeout: () => new Error(`${what} stalled (paused: ${flow.paused}, buffered: ${buffer.length})`) })
          )
          expect(showExit(exit), what).toStrictEqual(showOutcome(want.outcome))
          state = { buffered: want.rest, end }
          if (buffer.length < hwm) expect(flow.paused, `paused with ${buffer.length} < hwm buffered after ${what}`).toBe(false)
        }
        yield* Fiber.interrupt(pusher)
        expect(bound).toStrictEqual([])
        expect(flow.violations).toStrictEqual([])
        expect(flow.resumes === flow.pauses || flow.resumes === flow.pauses - 1).toBe(true)
      }),
    { fastCheck: { numRuns: 150 } }
  )

  it("examples from lua5.4 + lua-socket", () => {
    const run = (buffer: ReadBuffer, pattern: Pattern, prefix = "") => showExit(Effect.runSyncExit(buffer.receive(pattern, bytes(prefix))))
    const { buffer } = makeBuffer()
    buffer.push(bytes("a\rb\rc\r\nline2\n87654321xyz"))
    expect(run(buffer, line)).toStrictEqual({ ok: hex(bytes("abc")) })
    expect(run(buffer, line, "x\r")).toStrictEqual({ ok: hex(bytes("x\rline2")) })
    expect(run(buffer, exactly(4), "87654321")).toStrictEqual({ ok: hex(bytes("87654321")) })
    expect(run(buffer, exactly(0))).toStrictEqual({ ok: "" })
    expect(run(buffer, exactly(3))).toStrictEqual({ ok: hex(bytes("876")) })
    expect(run(buffer, available(2))).toStrictEqual({ ok: hex(bytes("54")) })
    buffer.pushEnd()
    expect(run(buffer, all, "p")).toStrictEqual({ ok: hex(bytes("p321xyz")) })
    expect(run(buffer, all, "p")).toStrictEqual({ fail: "Closed", code: undefined, partial: hex(bytes("p")) })
    expect(run(buffer, exactly(0))).toStrictEqual({ fail: "Closed", code: undefined, partial: "" })
    expect(run(buffer, exactly(0), "q")).toStrictEqual({ ok: hex(bytes("q")) })
    expect(run(buffer, exactly(3), "q")).toStrictEqual({ fail: "Closed", code: undefined, partial: hex(bytes("q")) })
    expect(run(buffer, line, "q")).toStrictEqual({ fail: "Closed", code: undefined, partial: hex(bytes("q")) })
  })

  it("a reset is reported after the buffered bytes, with its code", () => {
    const { buffer } = makeBuffer()
    buffer.push(bytes("one\ntw\ro"))
    buffer.pushError(new NetError.Closed({ operation: "receive", code: "ECONNRESET" }))
    const run = (pattern: Pattern) => showExit(Effect.runSyncExit(buffer.receive(pattern)))
    expect(run(line)).toStrictEqual({ ok: hex(bytes("one")) })
    expect(run(line)).toStrictEqual({ fail: "Closed", code: "ECONNRESET", partial: hex(bytes("two")) })
    expect(run(all)).toStrictEqual({ fail: "Closed", code: "ECONNRESET", partial: "" })
  })
})

describe("ReadBuffer maximum line length", () => {
  it.prop(
    "an over-long line fails with LineTooLong, consumes at most max + 1 bytes and keeps the following lines",
    [fc.integer({ min: 0, max: 30 }), fc.integer({ min: 1, max: 80 }), fc.array(byte.filter((b) => b !== LF), { maxLength: 20 })],
    ([max, extra, nextLine]) => {
      const { buffer } = makeBuffer()
      const long = bytes("x".repeat(max + extra))
      buffer.push(cat(long, Uint8Array.of(LF), Uint8Array.from(nextLine), Uint8Array.of(LF)))
      const exit = Effect.runSyncExit(buffer.receive(lineMax(max)))
      const shown = showExit(exit)
      expect(shown).toMatchObject({ fail: "LineTooLong" })
      expect((shown as { partial: string }).partial.length / 2).toBeLessThanOrEqual(max + 1)
      // the following line is intact
      expect(Effect.runSync(buffer.receive(line)).length).toBe(extra - 1)
      expect(hex(Effect.runSync(buffer.receive(line)))).toBe(hex(withoutCRs(Uint8Array.from(nextLine))))
    },
    { fastCheck: { numRuns: 100 } }
  )

  it.live.prop(
    "a flood without LF fails with LineTooLong while memory stays bounded",
    [fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 100 }), fc.uint8Array({ minLength: 1, maxLength: 64 })],
    ([max, hwm, chunkSize, seed]) =>
      Effect.gen(function*() {
        const { buffer, flow } = makeBuffer(hwm)
        const latch = yield* Effect.makeLatch(true)
        flow.onChange = (paused) => (paused ? latch.unsafeClose() : latch.unsafeOpen())
        const chunk = Uint8Array.from({ length: chunkSize }, (_, i) => (seed[i % seed.length]! === LF ? 0x41 : seed[i % seed.length]!))
        let largest = 0
        const pusher = yield* Effect.fork(
          Effect.forever(
            Effect.zipRight(
              latch.await,
              Effect.andThen(Effect.sync(() => {
                buffer.push(chunk)
                largest = Math.max(largest, buffer.length)
              }), Effect.yieldNow())
            )
          )
        )
        const error = yield* Effect.flip(buffer.receive(lineMax(max))).pipe(
          Effect.timeoutFail({ duration: "2 seconds", onTimeout: () => new Error("a flood did not fail with LineTooLong") })
        )
        yield* Fiber.interrupt(pusher)
        expect(error._tag).toBe("LineTooLong")
        expect(error.partial!.length).toBeLessThanOrEqual(max + chunkSize)
        expect(largest).toBeLessThanOrEqual(hwm - 1 + chunkSize)
        expect(flow.violations).toStrictEqual([])
      }),
    { fastCheck: { numRuns: 60 } }
  )
})

describe("ReadBuffer flow control", () => {
  it("pauses at the high-water mark and resumes when drained below it", () => {
    const { buffer, flow } = makeBuffer(4)
    buffer.push(bytes("abc"))
    expect([flow.pauses, flow.paused]).toStrictEqual([0, false])
    buffer.push(bytes("d"))
    expect([flow.pauses, flow.paused]).toStrictEqual([1, true])
    buffer.push(bytes("ef"))
    expect(flow.pauses).toBe(1)
    expect(text(Effect.runSync(buffer.receive(exactly(2))))).toBe("ab")
    expect([flow.resumes, flow.paused]).toStrictEqual([0, true]) // 4 left: still at the mark
    expect(text(Effect.runSync(buffer.receive(exactly(1))))).toBe("c")
    expect([flow.resumes, flow.paused]).toStrictEqual([1, false])
    expect(flow.violations).toStrictEqual([])
  })

  it.live("a line longer than the high-water mark still completes when the transport honours pause", () =>
    Effect.gen(function*() {
      const { buffer, flow } = makeBuffer(8)
      const latch = yield* Effect.makeLatch(true)
      flow.onChange = (paused) => (paused ? latch.unsafeClose() : latch.unsafeOpen())
      const longLine = "0123456789\r".repeat(30)
      const stream = bytes(longLine + "\nrest\n")
      const pusher = yield* Effect.fork(
        Effect.forEach(Array.from({ length: Math.ceil(stream.length / 5) }, (_, k) => stream.subarray(k * 5, k * 5 + 5)), (c) =>
          Effect.zipRight(latch.await, Effect.sync(() => buffer.push(c))))
      )
      const got = yield* buffer.receive(line).pipe(Effect.timeout("2 seconds"))
      expect(text(got)).toBe(longLine.replaceAll("\r", ""))
      expect(text(yield* buffer.receive(line).pipe(Effect.timeout("2 seconds")))).toBe("rest")
      yield* Fiber.join(pusher)
      expect(flow.pauses).toBeGreaterThan(0)
      expect(flow.violations).toStrictEqual([])
    }))
})

describe("ReadBuffer state", () => {
  it.prop(
    "close() ends the stream like EOF: buffered bytes stay receivable (as in lua5.4 + lua-socket), later pushes are ignored",
    [chunked, fc.option(endArb, { nil: undefined }), receivesArb(true)],
    ([{ chunks, data }, end, receives]) => {
      const { buffer } = makeBuffer()
      for (const c of chunks) buffer.push(c)
      if (end?._tag === "Eof") buffer.pushEnd()
      if (end?._tag === "Error") buffer.pushError(end.error)
      buffer.close()
      // pushing after close is ignored
      buffer.push(bytes("late\n"))
      expect(buffer.length).toBe(data.length)
      expect(buffer.readable).toBe(true)
      expect(buffer.ended).toBe(true)
      let state: ModelState = { buffered: data, end: end ?? { _tag: "Eof" } }
      for (const { pattern, prefix } of receives) {
        const want = modelReceive(state, pattern, prefix)
        if (want === MORE) throw new Error("the model waits although the stream has ended")
        const got = showExit(Effect.runSyncExit(buffer.receive(pattern, prefix)))
        expect(got, describeReceive(pattern, prefix)).toStrictEqual(showOutcome(want.outcome))
        state = { buffered: want.rest, end: state.end }
      }
    },
    { fastCheck: { numRuns: 150 } }
  )

  it.live("close() wakes a waiting receive, which fails Closed with its prefix and the buffered bytes", () =>
    Effect.gen(function*() {
      const { buffer } = makeBuffer()
      buffer.push(bytes("no newline yet"))
      const fiber = yield* Effect.fork(buffer.receive(line, bytes("pre")))
      yield* Effect.yieldNow()
      buffer.close()
      const exit = yield* Fiber.await(fiber).pipe(Effect.timeout("2 seconds"))
      expect(showExit(exit)).toStrictEqual({ fail: "Closed", code: undefined, partial: hex(bytes("preno newline yet")) })
    }))

  it.live("interrupting a receive that had moved bytes out of the buffer puts them back", () =>
    Effect.gen(function*() {
      const { buffer } = makeBuffer(4)
      buffer.push(bytes("ab\rcdef"))
      const fiber = yield* Effect.fork(buffer.receive(line))
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(fiber)
      expect(buffer.length).toBe(7)
      buffer.push(bytes("\n"))
      expect(text(Effect.runSync(buffer.receive(line)))).toBe("abcdef")
    }))

  it("dirty and readable follow the buffered bytes and the end of the stream", () => {
    const { buffer } = makeBuffer()
    expect([buffer.dirty, buffer.readable, buffer.ended]).toStrictEqual([false, false, false])
    buffer.push(new Uint8Array(0))
    expect([buffer.dirty, buffer.readable]).toStrictEqual([false, false])
    buffer.push(bytes("ab\n"))
    expect([buffer.dirty, buffer.readable]).toStrictEqual([true, true])
    Effect.runSync(buffer.receive(line))
    expect([buffer.dirty, buffer.readable]).toStrictEqual([false, false])
    buffer.pushEnd()
    expect([buffer.dirty, buffer.readable, buffer.ended]).toStrictEqual([false, true, true])
  })

  it.prop(
    "reads straight into the buffer (region + commit): results equal the model and are never overwritten later",
    [chunked, endArb, receivesArb(true), fc.array(fc.integer({ min: 1, max: 70_000 }), { minLength: 1, maxLength: 8 }), fc.boolean()],
    ([{ data }, end, receives, readSizes, foreign]) => {
      const { buffer } = makeBuffer(1 << 30)
      let offset = 0
      let k = 0
      // The transport reads into the regions the buffer gives out, in sizes the property picks
      // (also into a foreign buffer now and then: that read is copied in).
      const readSome = () => {
        const want = Math.min(readSizes[k++ % readSizes.length]!, data.length - offset)
        const region = foreign && k % 3 === 0 ? new Uint8Array(want) : buffer.region()
        const n = Math.min(region.length, want)
        region.set(data.subarray(offset, offset + n))
        buffer.commit(n, region)
        offset += n
      }
      const handedOut: Array<{ readonly bytes: Uint8Array; readonly copy: string }> = []
      let state: ModelState = { buffered: new Uint8Array(0), end: undefined }
      for (const { pattern, prefix } of receives) {
        let want = modelReceive(state, pattern, prefix)
        while (want === MORE) {
          if (offset < data.length) {
            const before = offset
            readSome()
            state = { buffered: cat(state.buffered, data.subarray(before, offset)), end: undefined }
          } else {
            if (end._tag === "Eof") buffer.pushEnd()
            else buffer.pushError(end.error)
            state = { buffered: state.buffered, end }
          }
          want = modelReceive(state, pattern, prefix)
        }
        const got = Effect.runSyncExit(buffer.receive(pattern, prefix))
        expect(showExit(got), describeReceive(pattern, prefix)).toStrictEqual(showOutcome(want.outcome))
        if (got._tag === "Success") handedOut.push({ bytes: got.value, copy: hex(got.value) })
        state = { buffered: want.rest, end: state.end }
      }
      // Fill whatever space is left: no byte handed out may change.
      while (offset < data.length) readSome()
      for (let i = 0; i < 4; i++) {
        const region = buffer.region()
        region.fill(0xee)
        buffer.commit(region.length, region)
      }
      for (const h of handedOut) expect(hex(h.bytes)).toBe(h.copy)
    },
    { fastCheck: { numRuns: 200 } }
  )

  it.prop(
    "poll: the model's result when it needs no more bytes, else undefined with nothing consumed",
    [chunked, fc.option(endArb, { nil: undefined }), receivesArb(true), hwmArb],
    ([{ chunks }, end, receives, hwm]) => {
      const { buffer } = makeBuffer(hwm)
      let state: ModelState = { buffered: new Uint8Array(0), end: undefined }
      let next = 0
      for (const { pattern, prefix } of receives) {
        // feed one more chunk (or the end) before each poll
        if (next < chunks.length) {
          buffer.push(chunks[next]!)
          state = { buffered: cat(state.buffered, chunks[next]!), end: undefined }
          next++
        } else if (end !== undefined && state.end === undefined) {
          if (end._tag === "Eof") buffer.pushEnd()
          else buffer.pushError(end.error)
          state = { buffered: state.buffered, end }
        }
        const want = modelReceive(state, pattern, prefix)
        const got = buffer.poll(pattern, prefix)
        if (want === MORE) {
          expect(got, describeReceive(pattern, prefix)).toBeUndefined()
          expect(buffer.length).toBe(state.buffered.length)
        } else {
          const shown = got instanceof Uint8Array ? showExit(Exit.succeed(got)) : showExit(Exit.fail(got!))
          expect(shown, describeReceive(pattern, prefix)).toStrictEqual(showOutcome(want.outcome))
          state = { buffered: want.rest, end: state.end }
        }
      }
    },
    { fastCheck: { numRuns: 300 } }
  )

  it.prop(
    "pollOrTimeout: what receive under a zero-budget policy gives (Timeout with the partial it consumed included), synchronously",
    [chunked, fc.option(endArb, { nil: undefined }), receivesArb(true), hwmArb, fc.constantFrom({ block: 0 }, { total: 0 }, { block: 0, total: 5 })],
    ([{ chunks }, end, receives, hwm, limits]) => {
      const polled = makeBuffer(hwm).buffer
      const received = makeBuffer(hwm).buffer
      const policy = Timeout.make(limits)
      let next = 0
      for (const { pattern, prefix } of receives) {
        for (const b of [polled, received]) {
          if (next < chunks.length) b.push(chunks[next]!)
          else if (end?._tag === "Eof") b.pushEnd()
          else if (end !== undefined) b.pushError(end.error)
        }
        next++
        const got = polled.pollOrTimeout(pattern, prefix)
        const want = Effect.runSyncExit(received.receive(pattern, prefix, policy))
        const shown = got instanceof Uint8Array ? showExit(Exit.succeed(got)) : showExit(Exit.fail(got))
        expect(shown, describeReceive(pattern, prefix)).toStrictEqual(showExit(want))
        expect(polled.length).toBe(received.length)
      }
    },
    { fastCheck: { numRuns: 300 } }
  )

  it.prop(
    "pollLines: the lines repeated polls of line (or lineMax) would give, then the same state",
    [
      chunked,
      fc.option(endArb, { nil: undefined }),
      hwmArb,
      fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined }),
      fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined })
    ],
    ([{ chunks }, end, hwm, max, maxLength]) => {
      const batched = makeBuffer(hwm).buffer
      const single = makeBuffer(hwm).buffer
      const pattern = maxLength === undefined ? line : lineMax(maxLength)
      const feed = (k: number) => {
        for (const b of [batched, single]) {
          if (k < chunks.length) b.push(chunks[k]!)
          else if (end?._tag === "Eof") b.pushEnd()
          else if (end !== undefined) b.pushError(end.error)
        }
      }
      for (let k = 0; k <= chunks.length; k++) {
        feed(k)
        const into: Array<Uint8Array> = [bytes("kept")]
        const n = batched.pollLines(into, max, maxLength)
        expect(n).toBe(into.length - 1)
        expect(text(into[0]!)).toBe("kept")
        // the reference: poll one line at a time while a line is complete and within max
        const want: Array<string> = []
        while (max === undefined || want.length < max) {
          const lf = single.length === 0 ? -1 : peekLF(single)
          if (lf === -1 || (maxLength !== undefined && lf > maxLength)) break
          const got = single.poll(pattern)
          expect(got).toBeInstanceOf(Uint8Array)
          want.push(hex(got as Uint8Array))
        }
        expect(into.slice(1).map(hex)).toStrictEqual(want)
        expect(batched.length).toBe(single.length)
        // what follows (a line too long, the end, a failure, or a wait) is the same on both
        const next = (b: ReadBuffer) => {
          const got = b.poll(pattern)
          return got === undefined ? "wait" : got instanceof Uint8Array ? { ok: hex(got) } : { fail: got._tag, partial: hex(got.partial ?? new Uint8Array(0)) }
        }
        if (k === chunks.length) expect(next(batched)).toStrictEqual(next(single))
      }
    },
    { fastCheck: { numRuns: 300 } }
  )

  it.live.prop(
    "receiveInto: the bytes copied into a reused buffer are the stream, in order, then Closed (or the error)",
    [chunked, endArb, fc.integer({ min: 1, max: 300 })],
    ([{ chunks, data }, end, size]) =>
      Effect.gen(function*() {
        const { buffer } = makeBuffer(64)
        const target = new Uint8Array(size)
        const got: Array<Uint8Array> = []
        const reader = yield* Effect.fork(
          Effect.gen(function*() {
            for (;;) {
              const n = yield* buffer.receiveInto(target)
              expect(n).toBeGreaterThan(0)
              expect(n).toBeLessThanOrEqual(size)
              got.push(target.slice(0, n))
            }
          }).pipe(Effect.flip)
        )
        for (const c of chunks) {
          buffer.push(c)
          yield* Effect.yieldNow()
        }
        if (end._tag === "Eof") buffer.pushEnd()
        else buffer.pushError(end.error)
        const error = yield* Fiber.join(reader).pipe(Effect.timeout("2 seconds"))
        expect(hex(cat(...got))).toBe(hex(data))
        expect(error._tag).toBe(end._tag === "Eof" ? "Closed" : end.error._tag)
        expect(buffer.length).toBe(0)
      }),
    { fastCheck: { numRuns: 150 } }
  )

  it("push copies: the transport may reuse its chunk, and results are never overwritten", () => {
    const { buffer } = makeBuffer()
    const chunk = bytes("abc\n")
    buffer.push(chunk)
    chunk.fill(0x7a)
    const first = Effect.runSync(buffer.receive(line))
    for (let k = 0; k < 200; k++) buffer.push(bytes("0123456789".repeat(100)))
    expect(text(first)).toBe("abc")
    expect(buffer.received).toBe(4 + 200 * 1000)
    // push(chunk, from, to) takes a slice
    const { buffer: b2 } = makeBuffer()
    b2.push(bytes("xxhello\nyy"), 2, 8)
    expect(text(Effect.runSync(b2.receive(line)))).toBe("hello")
    expect(b2.dirty).toBe(false)
  })
})

describe("ReadBuffer timeouts and interruption", () => {
  const oneSecond = Timeout.make({ block: "1 second" })

  it.effect.prop(
    "a receive that cannot complete times out at the budget with the bytes it consumed",
    [fc.array(byte.filter((b) => b !== LF), { maxLength: 30 }).map((a) => Uint8Array.from(a)), prefixArb, fc.constantFrom<Pattern>(line, all, exactly(1000), available(), lineMax(100))],
    ([data, prefix, pattern]) =>
      Effect.gen(function*() {
        const { buffer } = makeBuffer()
        const arrives = pattern._tag === "Available" ? new Uint8Array(0) : data
        const fiber = yield* Effect.fork(buffer.receive(pattern, prefix, oneSecond))
        yield* TestClock.adjust("500 millis")
        buffer.push(arrives)
        yield* TestClock.adjust("499 millis")
        expect(fiber.unsafePoll()).toBeNull()
        yield* TestClock.adjust("1 millis")
        const exit = yield* Fiber.await(fiber)
        const partial = cat(prefix, pattern._tag === "Line" ? withoutCRs(arrives) : arrives)
        expect(showExit(exit)).toStrictEqual({ fail: "Timeout", code: undefined, partial: hex(partial) })
        // what the timeout returned was consumed
        expect(buffer.dirty).toBe(false)
        buffer.push(bytes("next\n"))
        expect(text(yield* buffer.receive(line))).toBe("next")
      }),
    { fastCheck: { numRuns: 40 } }
  )

  it.effect("block limits each wait, total limits the call", () =>
    Effect.gen(function*() {
      const { buffer } = makeBuffer()
      const policy = Timeout.make({ block: "1 second", total: "1500 millis" })
      const fiber = yield* Effect.fork(buffer.receive(exactly(10), undefined, policy))
      yield* TestClock.adjust("900 millis")
      buffer.push(bytes("abc"))
      yield* TestClock.adjust("599 millis")
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 millis")
      expect(showExit(yield* Fiber.await(fiber))).toStrictEqual({ fail: "Timeout", code: undefined, partial: hex(bytes("abc")) })
    }))

  it.effect("a zero timeout fails at once when the pattern cannot be satisfied", () =>
    Effect.gen(function*() {
      const { buffer } = makeBuffer()
      buffer.push(bytes("ab"))
      const exit = yield* Effect.exit(buffer.receive(line, bytes("p"), Timeout.make({ block: 0 })))
      expect(showExit(exit)).toStrictEqual({ fail: "Timeout", code: undefined, partial: hex(bytes("pab")) })
    }))

  it.live("interrupting a waiting receive leaves no waiter behind; the next receive gets the data", () =>
    Effect.gen(function*() {
      const { buffer } = makeBuffer()
      // `waiters` is private; reading it is the only way to see a leaked listener
      const waiters = () => (buffer as unknown as { readonly waiters: ReadonlyArray<unknown> }).waiters.length
      for (const policy of [Timeout.infinite, Timeout.make({ block: "1 hour" })]) {
        for (const pattern of [line, all, exactly(5), available()]) {
          const fiber = yield* Effect.fork(buffer.receive(pattern, undefined, policy))
          // a finite timeout registers the waiter from a forked fiber: give it a few turns
          for (let k = 0; k < 100 && waiters() === 0; k++) yield* Effect.yieldNow()
          expect(waiters()).toBe(1)
          yield* Fiber.interrupt(fiber)
          expect(waiters()).toBe(0)
        }
      }
      buffer.push(bytes("hello\n"))
      expect(text(yield* buffer.receive(line))).toBe("hello")
      expect(waiters()).toBe(0)
    }))

  it.live("a push between the first attempt and the wait is not lost (lost wake-up)", () =>
    Effect.gen(function*() {
      // A small op budget makes the receiving fiber yield right after its first attempt,
      // so the push lands before the waiter is registered (budgets below 16 stall Effect itself).
      for (const ops of [16, 24, 32]) {
        for (let delay = 0; delay < 6; delay++) {
          for (const policy of [Timeout.infinite, Timeout.make({ block: "1 hour" })]) {
            const { buffer } = makeBuffer()
            const fiber = yield* Effect.fork(buffer.receive(line, undefined, policy).pipe(Effect.withMaxOpsBeforeYield(ops)))
            for (let k = 0; k < delay; k++) yield* Effect.yieldNow()
            buffer.push(bytes("x\n"))
            const exit = yield* Fiber.await(fiber).pipe(
              Effect.timeoutFail({ duration: "200 millis", onTimeout: () => new Error(`receive missed a push (ops ${ops}, delay ${delay})`) })
            )
            expect(showExit(exit)).toStrictEqual({ ok: hex(bytes("x")) })
          }
        }
      }
    }))

  it.live("waitReadable: true at once when readable, false after the limit, true when data arrives", () =>
    Effect.gen(function*() {
      const { buffer } = makeBuffer()
      expect(yield* buffer.waitReadable(Duration.millis(20))).toBe(false)
      expect(yield* buffer.waitReadable(Duration.zero)).toBe(false)
      const fiber = yield* Effect.fork(buffer.waitReadable(Duration.seconds(5)))
      yield* Effect.yieldNow()
      buffer.push(bytes("a"))
      expect(yield* Fiber.join(fiber)).toBe(true)
      expect(yield* buffer.waitReadable(Duration.zero)).toBe(true)
    }))
})

describe("ReadBuffer waits and reads (costs)", () => {
  /** Node timers alive now (a finite wait under the live clock is one `setTimeout`). */
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length
  /** Fibers waiting on the buffer now. */
  const waitersOf = (buffer: ReadBuffer) => (buffer as unknown as { readonly waiters: { readonly length: number } }).waiters.length

  it.live("a finite wait under the live clock is one timer, cleared when data comes, when it times out and when it is interrupted", () =>
    Effect.gen(function*() {
      // Other timers of the test runner may come and go: a wait adds exactly one while it
      // waits, and none is left once it has ended.
      const policy = Timeout.make({ block: "1 hour" })
      // data arrives: the receive completes and its timer is gone
      {
        const { buffer } = makeBuffer()
        const before = timers()
        const fiber = yield* Effect.fork(buffer.receive(line, undefined, policy))
        for (let k = 0; k < 100 && waitersOf(buffer) === 0; k++) yield* Effect.yieldNow()
        expect([waitersOf(buffer), timers() - before]).toStrictEqual([1, 1])
        buffer.push(bytes("ok\n"))
        expect(text(yield* Fiber.join(fiber))).toBe("ok")
        expect(waitersOf(buffer)).toBe(0)
        expect(timers()).toBeLessThanOrEqual(before)
      }
      // interrupted: waiter and timer gone, the bytes it had taken put back
      {
        const { buffer } = makeBuffer(4)
        const before = timers()
        const fiber = yield* Effect.fork(buffer.receive(line, undefined, policy))
        for (let k = 0; k < 100 && waitersOf(buffer) === 0; k++) yield* Effect.yieldNow()
        buffer.push(bytes("abcdef")) // above the high-water mark: the waiting receive takes it
        for (let k = 0; k < 100 && buffer.length > 0; k++) yield* Effect.yieldNow()
        expect(buffer.length).toBe(0)
        yield* Fiber.interrupt(fiber)
        expect(waitersOf(buffer)).toBe(0)
        expect(timers()).toBeLessThanOrEqual(before)
        buffer.push(bytes("g\n"))
        expect(text(yield* buffer.receive(line))).toBe("abcdefg")
      }
      // timed out: the typed error with the partial, nothing left behind
      {
        const { buffer } = makeBuffer()
        const before = timers()
        buffer.push(bytes("par"))
        const exit = yield* Effect.exit(buffer.receive(line, bytes(">"), Timeout.make({ block: "20 millis" })))
        expect(showExit(exit)).toStrictEqual({ fail: "Timeout", code: undefined, partial: hex(bytes(">par")) })
        expect(waitersOf(buffer)).toBe(0)
        expect(timers()).toBeLessThanOrEqual(before)
      }
      // total limit over several waits: each wait gets what is left, the call fails at the total
      {
        const { buffer } = makeBuffer()
        const before = timers()
        const started = Date.now()
        const fiber = yield* Effect.fork(buffer.receive(line, undefined, Timeout.make({ block: "1 hour", total: "60 millis" })))
        let pushed = 0
        for (let k = 0; k < 5; k++) {
          yield* Effect.sleep("10 millis")
          if ((yield* Fiber.poll(fiber))._tag === "Some") break
          buffer.push(bytes("x"))
          pushed++
        }
        const exit = yield* Fiber.await(fiber)
        // every byte pushed while the call waited is in the partial (on a loaded machine the
        // sleeps may run long, so fewer than 5 pushes may fit in the 60 ms)
        const shown = showExit(exit) as { fail: string; code: unknown; partial: string }
        expect({ ...shown, partial: undefined }).toStrictEqual({ fail: "Timeout", code: undefined, partial: undefined })
        expect(pushed).toBeGreaterThan(0)
        expect([hex(bytes("x".repeat(pushed))), hex(bytes("x".repeat(pushed - 1)))]).toContain(shown.partial)
        expect(Date.now() - started).toBeGreaterThanOrEqual(55)
        expect(timers()).toBeLessThanOrEqual(before)
      }
    }))

  it("a connection reading in bulk reads in place; small reads keep going through the shared scratch buffer", () => {
    const small = makeBuffer().buffer
    const scratch = small.region()
    for (let k = 0; k < 20; k++) {
      const region = small.region()
      expect(region.buffer).toBe(scratch.buffer) // the shared scratch: no storage of its own to read into
      region.set(bytes("line\n"))
      small.commit(5, region)
      expect(text(Effect.runSync(small.receive(line)))).toBe("line")
    }
    // one large read through the scratch buffer: from then on the buffer reads in place
    const bulk = makeBuffer(1 << 30).buffer
    const data = Buffer.alloc(200_000)
    for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff
    let offset = 0
    const first = bulk.region()
    first.set(data.subarray(0, 20_000))
    bulk.commit(20_000, first)
    offset = 20_000
    const target = new Uint8Array(65536)
    const received: Array<Uint8Array> = [Uint8Array.from(target.subarray(0, Effect.runSync(bulk.receiveInto(target))))]
    while (offset < data.length) {
      const region = bulk.region()
      expect(region.buffer).not.toBe(scratch.buffer)
      const n = Math.min(region.length, data.length - offset)
      region.set(data.subarray(offset, offset + n))
      bulk.commit(n, region)
      offset += n
      received.push(Uint8Array.from(target.subarray(0, Effect.runSync(bulk.receiveInto(target)))))
    }
    expect(Buffer.concat(received).equals(data)).toBe(true)
  })
})
