/**
 * `--progress`: one line on stderr, rewritten in place, with the bytes received and sent,
 * the current rate and the elapsed time; only when stderr is a terminal.
 *
 * @since 0.1.0
 */

/** Bytes as `999 B`, `12.3 KiB`, `4.0 MiB`, `1.25 GiB`. @since 0.1.0 */
export const formatBytes = (n: number): string => {
  if (n < 1024) return `${n} B`
  const units = ["KiB", "MiB", "GiB", "TiB"]
  let v = n / 1024
  let u = 0
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[u]}`
}

/** Seconds as `12.3s` or `4m05s`. */
const formatElapsed = (ms: number): string => {
  const s = ms / 1000
  if (s < 60) return `${s.toFixed(1)}s`
  const m = Math.floor(s / 60)
  return `${m}m${String(Math.floor(s - m * 60)).padStart(2, "0")}s`
}

/** What the progress line shows. @since 0.1.0 */
export interface Sample {
  readonly bytesIn: number
  readonly bytesOut: number
  /** Bytes per second in each direction over the last interval. */
  readonly rateIn: number
  readonly rateOut: number
  readonly elapsedMs: number
}

/** The progress line: `in 12.0 MiB (4.00 MiB/s)  out 1.00 KiB (0 B/s)  3.0s`. @since 0.1.0 */
export const formatLine = (s: Sample): string =>
  `in ${formatBytes(s.bytesIn)} (${formatBytes(Math.round(s.rateIn))}/s)  out ${formatBytes(s.bytesOut)} (${formatBytes(Math.round(s.rateOut))}/s)  ${formatElapsed(s.elapsedMs)}`

/**
 * Byte counters for a transfer, and the progress line when it is on.
 *
 * @since 0.1.0
 */
export class Progress {
  bytesIn = 0
  bytesOut = 0
  private timer: ReturnType<typeof setInterval> | undefined
  private readonly started = performance.now()
  private last = { at: this.started, bytesIn: 0, bytesOut: 0 }

  /**
   * `enabled`: show the line (`--progress` given and stderr is a terminal);
   * `write`: where the line goes (stderr).
   */
  constructor(readonly enabled: boolean, private readonly write: (s: string) => void = (s) => void process.stderr.write(s), private readonly intervalMs = 500) {}

  private sample(now: number): Sample {
    const dt = Math.max(now - this.last.at, 1) / 1000
    const s = {
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      rateIn: (this.bytesIn - this.last.bytesIn) / dt,
      rateOut: (this.bytesOut - this.last.bytesOut) / dt,
      elapsedMs: now - this.started
    }
    this.last = { at: now, bytesIn: this.bytesIn, bytesOut: this.bytesOut }
    return s
  }

  /** Starts redrawing the line every interval. */
  start(): void {
    if (!this.enabled || this.timer !== undefined) return
    this.timer = setInterval(() => this.write(`\r\x1b[K${formatLine(this.sample(performance.now()))}`), this.intervalMs)
    this.timer.unref()
  }

  /** Stops, leaving the final totals (average rates) on their own line. */
  stop(): void {
    if (this.timer === undefined) return
    clearInterval(this.timer)
    this.timer = undefined
    const now = performance.now()
    this.last = { at: this.started, bytesIn: 0, bytesOut: 0 }
    this.write(`\r\x1b[K${formatLine(this.sample(now))}\n`)
  }
}
