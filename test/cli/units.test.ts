/**
 * The CLI's pure pieces: argument checks, --crlf, the UDP line splitter, the progress line,
 * the error table.
 */
import * as Either from "effect/Either"
import { describe, expect, it } from "vitest"
import * as NetError from "../../src/core/NetError.js"
import { ExitCode, fromNetError } from "../../src/cli/errors.js"
import { connectTarget, serverTarget } from "../../src/cli/netcat.js"
import { formatBytes, formatLine, Progress } from "../../src/cli/progress.js"
import { crlfEncoder, LineSplitter } from "../../src/cli/stdio.js"

const text = (b: Uint8Array) => Buffer.from(b).toString("latin1")
const bytes = (s: string) => Buffer.from(s, "latin1")

describe("targets", () => {
  it("connect: host and port, or a unix path without one", () => {
    expect(connectTarget("example.org", "80")).toEqual(Either.right({ _tag: "Inet", host: "example.org", port: 80 }))
    expect(connectTarget("::1", "7")).toEqual(Either.right({ _tag: "Inet", host: "::1", port: 7 }))
    expect(connectTarget("/run/x.sock", undefined)).toEqual(Either.right({ _tag: "Unix", path: "/run/x.sock" }))
    expect(connectTarget("@abstract", undefined)).toEqual(Either.right({ _tag: "Unix", path: "@abstract" }))
    for (const [host, port] of [["h", undefined], ["h", "65536"], ["h", "0"], ["h", "1e3"], ["./x", "1"]] as const) {
      const r = connectTarget(host, port)
      expect(Either.isLeft(r) && r.left.exitCode).toBe(ExitCode.usage)
    }
  })

  it("listen / echo: a port on 127.0.0.1 unless --host, or a unix path", () => {
    expect(serverTarget("listen", "0", undefined)).toEqual(Either.right({ _tag: "Inet", host: "127.0.0.1", port: 0 }))
    expect(serverTarget("listen", "8080", "*")).toEqual(Either.right({ _tag: "Inet", host: "*", port: 8080 }))
    expect(serverTarget("echo", "./s", undefined)).toEqual(Either.right({ _tag: "Unix", path: "./s" }))
    expect(Either.isLeft(serverTarget("echo", "./s", "::"))).toBe(true)
    expect(Either.isLeft(serverTarget("echo", "http", undefined))).toBe(true)
  })
})

describe("--crlf", () => {
  it("LF -> CRLF, an LF after a CR left alone, across chunks", () => {
    const enc = crlfEncoder()
    expect(text(enc(bytes("a\nb\r\n")))).toBe("a\r\nb\r\n")
    expect(text(enc(bytes("x\r")))).toBe("x\r")
    expect(text(enc(bytes("\ny\n")))).toBe("\ny\r\n")
    expect(text(enc(bytes("")))).toBe("")
    expect(text(enc(bytes("\n\n")))).toBe("\r\n\r\n")
  })
})

describe("UDP lines", () => {
  it("one datagram per line (LF kept), long lines in pieces, the rest at the end", () => {
    const s = new LineSplitter(4)
    expect(s.push(bytes("ab\ncd")).map(text)).toEqual(["ab\n"])
    expect(s.push(bytes("e\nabcdefghij")).map(text)).toEqual(["cde\n", "abcd", "efgh"])
    expect(s.push(bytes("\n")).map(text)).toEqual(["ij\n"])
    expect(s.push(bytes("xyz")).map(text)).toEqual([])
    expect(s.end().map(text)).toEqual(["xyz"])
    expect(s.end()).toEqual([])
    // a line of exactly max bytes with its LF does not fit: the LF goes alone
    expect(new LineSplitter(4).push(bytes("abcd\n")).map(text)).toEqual(["abcd", "\n"])
  })
})

describe("progress", () => {
  it("formats bytes, rates and time", () => {
    expect(formatBytes(0)).toBe("0 B")
    expect(formatBytes(1023)).toBe("1023 B")
    expect(formatBytes(1536)).toBe("1.50 KiB")
    expect(formatBytes(12.5 * 1024 * 1024)).toBe("12.5 MiB")
    expect(formatBytes(300 * 1024 ** 3)).toBe("300 GiB")
    expect(formatLine({ bytesIn: 4 << 20, bytesOut: 1024, rateIn: 2 << 20, rateOut: 0, elapsedMs: 2000 })).toBe("in 4.00 MiB (2.00 MiB/s)  out 1.00 KiB (0 B/s)  2.0s")
    expect(formatLine({ bytesIn: 0, bytesOut: 0, rateIn: 0, rateOut: 0, elapsedMs: 125_000 })).toMatch(/  2m05s$/)
  })

  it("writes nothing when off; when on, a line rewritten in place and the totals on their own line at the end", async () => {
    const off: Array<string> = []
    const p0 = new Progress(false, (s) => off.push(s), 10)
    p0.start()
    p0.stop()
    expect(off).toEqual([])
    const on: Array<string> = []
    const p = new Progress(true, (s) => on.push(s), 10)
    p.start()
    p.bytesIn = 2048
    await new Promise((r) => setTimeout(r, 50))
    p.stop()
    expect(on.length).toBeGreaterThan(1)
    expect(on[0]).toMatch(/^\r\x1b\[Kin 2\.00 KiB \(/)
    expect(on.at(-1)).toMatch(/^\r\x1b\[Kin 2\.00 KiB \(.*\)  out 0 B \(0 B\/s\)  \d+\.\ds\n$/)
  })
})

describe("errors", () => {
  it("one line per error, the exit code by kind", () => {
    const f = (e: NetError.NetError, what?: string) => {
      const x = fromNetError(e, what)
      return [x.message, x.exitCode]
    }
    expect(f(new NetError.ConnectionRefused({ operation: "connect", address: "127.0.0.1:9", code: "ECONNREFUSED" }))).toEqual(["connect 127.0.0.1:9: connection refused", 3])
    expect(f(new NetError.Timeout({ operation: "connect" }), "connect h:1")).toEqual(["connect h:1: timeout", 4])
    expect(f(new NetError.AddressInUse({ operation: "listen", address: "127.0.0.1:80", code: "EADDRINUSE" }))).toEqual(["listen 127.0.0.1:80: address already in use", 5])
    expect(f(new NetError.HostNotFound({ operation: "connect", code: "ENOTFOUND" }), "connect x.invalid:80")[1]).toBe(6)
    expect(f(new NetError.Closed({ operation: "receive", code: "ECONNRESET" }), "receive from p")).toEqual(["receive from p: connection reset by peer", 1])
    expect(f(new NetError.PermissionDenied({ operation: "listen", address: "0.0.0.0:80", code: "EACCES" }))).toEqual(["listen 0.0.0.0:80: permission denied", 1])
    expect(f(new NetError.Unknown({ operation: "connect", address: "/x", code: "ENOENT" }))).toEqual(["connect /x: No such file or directory", 1])
    expect(f(new NetError.Unknown({ operation: "connect", code: "EWHATEVER" }))).toEqual(["connect: unknown error [EWHATEVER]", 1])
  })
})
