/**
 * The host functions `luasock run` gives every script.
 *
 * For now the registry is empty: the Lua-side `socket` / `lsocket` / `nixio` / `socket.inet`
 * modules (in `<root>/lua`) and the host functions that implement them (on the Effect core) are
 * plugged in here, as entries of this one registry, so the CLI and library users get the same
 * set from one place.
 *
 * @since 0.1.0
 */
import { facadeHosts } from "./facadeHost.js"
import type { HostFunction } from "./Host.js"

/** @since 0.1.0 */
export const defaultHosts = (): Map<string, HostFunction> => facadeHosts()
