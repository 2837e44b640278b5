/**
 * Every facade spec and where its generated files live.
 *
 * @since 0.1.0
 */
import { spec as luasocket } from "./luasocket.js"
import type { FacadeSpec } from "./spec.js"

/** A facade and its generated files (paths relative to the package root). @since 0.1.0 */
export interface FacadeFiles {
  readonly spec: FacadeSpec
  readonly docs: string
  readonly types: string
}

/** @since 0.1.0 */
export const facades: ReadonlyArray<FacadeFiles> = [
  { spec: luasocket, docs: "docs/api/luasocket.md", types: "src/luasocket/api.generated.ts" }
]
