/**
 * Every complete example of docs/promise.md (a ```ts block starting with `import`) runs
 * against the sources, and what it prints matches the `// "..."` comments beside its
 * `console.log` calls.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { runDocExamples } from "./docExamples.js"

const examples = runDocExamples("docs/promise.md", "test/promise")

describe("docs/promise.md examples", () => {
  afterAll(examples.cleanup)
  for (const example of examples.list) {
    it(`example ${example.index + 1} (line ${example.line})`, async () => {
      const printed = await example.run()
      expect(example.expected.length).toBeGreaterThan(0)
      expect(printed).toEqual(expect.arrayContaining([...example.expected]))
      // in order
      let at = 0
      for (const e of example.expected) {
        at = printed.indexOf(e, at)
        expect(at).toBeGreaterThanOrEqual(0)
        at++
      }
    })
  }
})
