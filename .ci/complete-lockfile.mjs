// Completes package-lock.json with the platform packages that this workplace's npm
// registry mirror does not carry (rollup's and msgpackr-extract's binaries for other
// platforms answer 404 here), so `npm install` leaves them out of the lockfile and
// npm 11's `npm ci` then refuses the lockfile ("Missing: ... from lock file").
// Each added entry is optional and carries the os/cpu/libc its name says, so npm ci
// skips it on a machine it does not fit, exactly as it would with the registry's data.
// Run after any `npm install` that rewrites the lockfile:  node .ci/complete-lockfile.mjs
import fs from "node:fs"

const file = new URL("../package-lock.json", import.meta.url)
const lock = JSON.parse(fs.readFileSync(file, "utf8"))
const packages = lock.packages

const osOf = (name) => ["android", "darwin", "freebsd", "openbsd", "openharmony", "win32", "linux"].find((os) => name.includes(`-${os}-`))
const cpuOf = (name) => {
  const tail = name.split("-").slice(-2).join("-")
  for (const [re, cpu] of [[/arm64/, "arm64"], [/(^|-)arm(-|$)|arm-eabi|gnueabihf|musleabihf/, "arm"], [/x64/, "x64"], [/ia32/, "ia32"], [/loong64/, "loong64"], [/ppc64/, "ppc64"], [/riscv64/, "riscv64"], [/s390x/, "s390x"]]) {
    if (re.test(tail) || re.test(name)) return cpu
  }
  return undefined
}
const libcOf = (name) => (/-musl|musleabihf/.test(name) ? "musl" : /-gnu|gnueabihf/.test(name) && name.includes("-linux-") ? "glibc" : undefined)

let added = 0
for (const [where, pkg] of Object.entries(packages)) {
  for (const [dep, version] of Object.entries(pkg.optionalDependencies ?? {})) {
    const key = `node_modules/${dep}`
    if (packages[key] !== undefined || packages[`${where}/${key}`] !== undefined) continue
    const os = osOf(dep)
    const cpu = cpuOf(dep)
    if (os === undefined || cpu === undefined) throw new Error(`cannot tell the platform of ${dep}`)
    const entry = { version, cpu: [cpu], ...(pkg.dev ? { dev: true } : {}), ...(libcOf(dep) ? { libc: [libcOf(dep)] } : {}), optional: true, os: [os] }
    packages[key] = entry
    added++
  }
}
lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))))
fs.writeFileSync(file, JSON.stringify(lock, null, 2) + "\n")
console.log(`complete-lockfile: added ${added} platform entries`)
