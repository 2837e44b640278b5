/**
 * vitest configuration of `npm run stress`: the long-running reliability programs of
 * test/stress (`*.stress.ts`, which the default configuration does not pick up). Files run one
 * after another, each in its own process, so descriptor and memory counts see one program only
 * and the timings are not shared with another file on this 2-core machine.
 */
import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  test: {
    include: ["test/stress/**/*.stress.ts"],
    pool: "forks",
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 30_000,
    reporters: ["verbose"]
  }
})
