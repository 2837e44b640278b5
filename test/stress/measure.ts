/** Measurements shared by the stress programs: memory, descriptor limit, a full GC. */
import * as fs from "node:fs"
import * as v8 from "node:v8"
import * as vm from "node:vm"

const MiB = 1024 * 1024

/** A full garbage collection (V8's `gc`, exposed at run time), so memory samples are comparable. */
export const collectGarbage: () => void = (() => {
  v8.setFlagsFromString("--expose-gc")
  const gc = vm.runInNewContext("gc") as unknown
  return typeof gc === "function" ? () => void (gc as () => void)() : () => {}
})()

/** Resident set size in MiB. */
export const rssMiB = (): number => process.memoryUsage().rss / MiB

/** V8 heap in use, in MiB. */
export const heapMiB = (): number => process.memoryUsage().heapUsed / MiB

/** Memory held by ArrayBuffers (Buffers' backing stores, outside the V8 heap), in MiB. */
export const arrayBuffersMiB = (): number => process.memoryUsage().arrayBuffers / MiB

/** Soft limit of open descriptors (`ulimit -n`), from /proc/self/limits. */
export const openFilesLimit = (): number => {
  const line = fs.readFileSync("/proc/self/limits", "utf8").split("\n").find((l) => l.startsWith("Max open files"))
  const soft = line?.split(/\s{2,}/)[1]
  return soft === undefined || soft === "unlimited" ? Infinity : Number(soft)
}
