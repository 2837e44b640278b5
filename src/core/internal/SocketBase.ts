/**
 * What every socket of the core shares: the closed flag and LuaSocket's timeout
 * setting (`settimeout` / `gettimeout`).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as NetError from "../NetError.js"
import * as Timeout from "../Timeout.js"
import { Readiness } from "./Readiness.js"

export abstract class SocketBase {
  protected closed = false
  protected timeoutPolicy: Timeout.TimeoutPolicy = Timeout.infinite
  /** Told whenever the socket may have become readable or writable (see `onReady`). */
  protected readonly readiness = new Readiness()

  /** LuaSocket's `tostring` class name, e.g. `tcp{client}`, `udp{connected}`. */
  abstract get className(): string

  /** True after `close`. */
  get isClosed(): boolean {
    return this.closed
  }

  /**
   * Calls `listener` whenever the socket may have become readable or writable
   * (it may also be called when it did not: check `readable` / `writable`).
   * Returns the unsubscribe. The hook `Select` waits on.
   */
  onReady(listener: () => void): () => void {
    return this.readiness.add(listener)
  }

  /** Readiness listeners registered now (0 once every select on this socket has finished). */
  get readyListeners(): number {
    return this.readiness.size
  }

  /**
   * LuaSocket's `settimeout(value, mode)`: negative or undefined = infinite; mode `b`, `t` or `r`;
   * any other value is an `InvalidArgument` (see `Timeout.set`). Lazy: the policy it changes is
   * the socket's when the effect runs, not when it was built.
   */
  setTimeout(seconds: number | undefined, mode?: string): Effect.Effect<void, NetError.NetError> {
    return Effect.suspend(() =>
      Effect.map(Timeout.set(this.timeoutPolicy, seconds, mode), (p) => {
        this.timeoutPolicy = p
      })
    )
  }

  /**
   * Sets the whole policy. No error channel: what is not a policy is a programmer error and
   * throws an `InvalidArgument` naming it (the policy is left as it was).
   */
  setTimeoutPolicy(policy: Timeout.TimeoutPolicy): void {
    const bad = Timeout.checkPolicy(policy, "settimeout", "timeout policy", false)
    if (bad !== undefined) throw bad
    this.timeoutPolicy = policy
  }

  /** The current policy. */
  get timeout(): Timeout.TimeoutPolicy {
    return this.timeoutPolicy
  }

  /** `gettimeout()`: block and total in seconds, -1 = infinite. */
  getTimeout(): { readonly block: number; readonly total: number } {
    return { block: Timeout.toSeconds(this.timeoutPolicy.block), total: Timeout.toSeconds(this.timeoutPolicy.total) }
  }
}
