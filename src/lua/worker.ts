/**
 * The worker thread that runs one Lua script (engine.ts) and blocks on every host call
 * (`Atomics.wait`), so a call works in every context Lua has (coroutines, metamethods,
 * callbacks from C functions...).
 *
 * Started by runtime.ts with a {@link WorkerInput}; reports `ready`, optional captured output,
 * then `exit` with the status, and parks until the main thread terminates it.
 *
 * @since 0.1.0
 */
import { type MessagePort, receiveMessageOnPort, workerData } from "node:worker_threads"
import { createEngine } from "./engine.js"
import { CallState, Ctl, Doorbell, Reader, type WorkerInput, type WorkerMessage, Writer } from "./protocol.js"
import { sleep } from "./stdio.js"

const input = workerData as WorkerInput
const port = input.port as MessagePort
const ctl = new Int32Array(input.control)
const shared = new Uint8Array(input.data)
const writer = new Writer(shared)
const post = (m: WorkerMessage): void => port.postMessage(m)
const spinMs = input.spinMicros / 1000

/** Rings the doorbell for the request in `writer` and blocks until the reply; the reply as a private reader. */
const exchange = (): Reader => {
  Atomics.store(ctl, Ctl.State, CallState.Pending)
  if (writer.inShared) Atomics.store(ctl, Ctl.Doorbell, writer.pos)
  else {
    const bytes = writer.detach()
    port.postMessage(bytes, [bytes.buffer as ArrayBuffer])
    Atomics.store(ctl, Ctl.Doorbell, Doorbell.OnPort)
  }
  Atomics.notify(ctl, Ctl.Doorbell)
  let s = Atomics.load(ctl, Ctl.State)
  if (spinMs > 0 && s <= CallState.Async) {
    // spin first: a reply seen here costs no futex wake-up (~10-40 us on a VM); async
    // replies that come quickly (data already on its way) profit too
    const until = performance.now() + spinMs
    spin: for (;;) {
      for (let k = 0; k < 128; k++) {
        s = Atomics.load(ctl, Ctl.State)
        if (s > CallState.Async) break spin
      }
      if (performance.now() > until) break
    }
  }
  while (s === CallState.Pending || s === CallState.Async) {
    Atomics.wait(ctl, Ctl.State, s)
    s = Atomics.load(ctl, Ctl.State)
  }
  let bytes: Uint8Array
  if (s === CallState.ReplyInline) {
    // a private copy (a finalizer run while results are pushed may make another call); by
    // set(): slice() of a SharedArrayBuffer view is several times slower
    bytes = new Uint8Array(Atomics.load(ctl, Ctl.Length))
    bytes.set(shared.subarray(0, bytes.length))
  } else {
    // posted before the state changed; should it not be visible yet, retry, then back off
    let m = receiveMessageOnPort(port)
    for (let tries = 0; m === undefined; tries++) {
      if (tries > 1000) sleep(1)
      m = receiveMessageOnPort(port)
    }
    bytes = m.message as Uint8Array
  }
  Atomics.store(ctl, Ctl.State, CallState.Idle)
  return new Reader(bytes)
}

let exited = false
const engine = await createEngine(input, {
  post,
  writer,
  exchange,
  ownsConsole: true,
  // report the status once, then park: the main thread terminates the worker
  exit: (code) => {
    if (!exited) {
      exited = true
      post({ kind: "exit", code })
    }
    for (;;) Atomics.wait(ctl, Ctl.Park, 0)
  }
})

let code: number
try {
  code = engine.runBlocking()
} catch (e) {
  // a wasm trap or abort (e.g. the wasm heap cannot grow), or a bug in the engine
  const msg = e instanceof Error ? (e.stack ?? e.message) : String(e)
  engine.emit(2, new TextEncoder().encode(`${input.progName}: fatal: ${msg}\n`))
  code = 1
}
engine.finish(code)
