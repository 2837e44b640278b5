/** Helpers shared by the socket test files. */
import * as fs from "node:fs"
import { Effect } from "effect"

/** Polls `pred` every 5 ms; dies after `ms`. */
export const waitUntil = (what: string, pred: () => boolean, ms = 3000): Effect.Effect<void> =>
  Effect.suspend(() => {
    const deadline = Date.now() + ms
    const loop: Effect.Effect<void> = Effect.suspend(() =>
      pred() ? Effect.void : Date.now() > deadline ? Effect.dieMessage(`timed out waiting for ${what}`) : Effect.zipRight(Effect.sleep("5 millis"), loop)
    )
    return loop
  })

/** Open descriptors of this process. */
export const fdCount = (): number => fs.readdirSync("/proc/self/fd").length
