import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

export default defineConfig({
  resolve: {
    // examples/ import the package by name, as a user would: run them against src/
    alias: [{ find: /^effect-luasocket(\/[a-z]+)?$/, replacement: fileURLToPath(new URL("./src$1/index.ts", import.meta.url)) }]
  },
  // vitest's own default, set here so that `vite-node --config vitest.config.ts` (the examples
  // test) lowers `await using` the same way
  esbuild: { target: "node18" },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Socket tests use real loopback sockets; run files in separate forks so a
    // descriptor-count test sees only its own process.
    pool: "forks"
  }
})
