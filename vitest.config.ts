import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Socket tests use real loopback sockets; run files in separate forks so a
    // descriptor-count test sees only its own process.
    pool: "forks"
  }
})
