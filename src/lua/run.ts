/**
 * The Effect face of the runtime, in its own module so that the CLI (which uses the Promise API)
 * does not load `effect/Effect` at start-up.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { LuaRuntimeError, type LuaScript, type RunningScript, type RunOptions, type RunResult, start } from "./runtime.js"

/**
 * Runs a script as an Effect. Interrupting it terminates the worker and runs the hosts'
 * `onExit` cleanups before the interruption completes. (`options.signal` is ignored here.)
 *
 * @since 0.1.0
 */
export const run = (script: LuaScript, options?: RunOptions): Effect.Effect<RunResult, LuaRuntimeError> =>
  Effect.async<RunResult, LuaRuntimeError>((resume) => {
    let running: RunningScript
    try {
      const { signal: _ignored, ...rest } = options ?? {}
      running = start(script, rest)
    } catch (e) {
      resume(Effect.fail(e instanceof LuaRuntimeError ? e : new LuaRuntimeError({ reason: "StartFailed", message: String(e), cause: e })))
      return
    }
    running.result.then(
      (r) => resume(Effect.succeed(r)),
      (e: unknown) => resume(Effect.fail(e instanceof LuaRuntimeError ? e : new LuaRuntimeError({ reason: "StartFailed", message: String(e), cause: e })))
    )
    return Effect.promise(() => running.kill())
  })
