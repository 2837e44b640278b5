/**
 * LuaSocket's `socket.select` for plain TypeScript.
 *
 * @since 0.1.0
 */
import * as Select from "../core/Select.js"
import { guarded } from "./internal/args.js"
import { orThrow, run } from "./internal/run.js"
import { decodeLimit, type Limit } from "./options.js"

/** @since 0.1.0 */
export interface SelectOptions {
  /** How long to wait (seconds, or a Duration input); none = no limit, `0` = poll. */
  readonly timeout?: Limit | undefined
  readonly signal?: AbortSignal | undefined
}

/**
 * Waits until one of `readers` is readable (data, EOF, an error, a pending connection,
 * a datagram) or one of `writers` is writable, and resolves with every socket ready
 * then, each list in input order. Takes the Promise API's sockets (and the core's).
 * When the time is up first it rejects with `NetError.Timeout` (operation `"select"`).
 *
 * @since 0.1.0
 */
export const select = <R extends Select.Selectable = never, W extends Select.Selectable = never>(
  readers: ReadonlyArray<R> | undefined,
  writers?: ReadonlyArray<W> | undefined,
  options: SelectOptions = {}
): Promise<Select.Ready<R, W>> =>
  guarded(() => run(Select.select(readers, writers, options.timeout === undefined ? undefined : orThrow(decodeLimit(options.timeout))), options.signal))
