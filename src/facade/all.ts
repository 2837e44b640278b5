/**
 * Every facade spec and where its generated files live.
 *
 * @since 0.1.0
 */
import { spec as inet } from "./inet.js"
import { spec as lsocket } from "./lsocket.js"
import { spec as luasocket } from "./luasocket.js"
import { spec as nixio } from "./nixio.js"
import type { FacadeSpec } from "./spec.js"

/** A facade and its generated files (paths relative to the package root). @since 0.1.0 */
export interface FacadeFiles {
  readonly spec: FacadeSpec
  readonly docs: string
  readonly types: string
}

/** @since 0.1.0 */
export const facades: ReadonlyArray<FacadeFiles> = [
  { spec: luasocket, docs: "docs/api/luasocket.md", types: "src/luasocket/api.generated.ts" },
  { spec: inet, docs: "docs/api/inet.md", types: "src/inet/api.generated.ts" },
  { spec: lsocket, docs: "docs/api/lsocket.md", types: "src/lsocket/api.generated.ts" },
  { spec: nixio, docs: "docs/api/nixio.md", types: "src/nixio/api.generated.ts" }
]
