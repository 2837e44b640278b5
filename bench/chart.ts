/**
 * `npm run bench:chart`: the ratios of a benchmark run as an SVG bar chart (written
 * by hand, no dependency): for each workload's headline figure, one bar per
 * implementation, its median divided by raw Node's median (1 = raw Node, the dashed
 * line; higher is better). Absolute raw figures under each group.
 *
 *   node dist/bench/chart.js [run-<stamp>.jsonl] [out.svg]
 *   (defaults: the newest bench/results/run-*.jsonl, docs/performance-chart.svg)
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { fmt, implsOf, type Json, latestRun, median, readRun, rowsOf, type RunRecord } from "./summary.js"

const COLORS: Record<string, string> = { efx: "#2f6db5", promise: "#e08a1e", facade: "#3c9a5f" }
const EXTRA_COLORS = ["#8e5ea2", "#c0392b", "#7f8c8d"]

const LABELS: Record<string, string> = {
  w1: "W1 bulk",
  w2: "W2 req/resp",
  w3: "W3 lines",
  w4: "W4 UDP recv",
  w5: "W5 churn"
}
const UNITS: Record<string, string> = { w1: "MiB/s", w2: "rt/s", w3: "lines/s", w4: "dgrams/s", w5: "conn/s" }

const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

export interface Group {
  readonly label: string
  readonly sublabel: string
  /** impl -> ratio against the baseline (NaN when missing). */
  readonly ratios: ReadonlyArray<{ impl: string; ratio: number }>
}

/** The chart's groups: one per headline row of the run (workload x placement). */
export const groupsOf = (records: ReadonlyArray<RunRecord>, meta: Json): { groups: Array<Group>; impls: Array<string>; base: string } => {
  const pin = String(meta["pin"] ?? "split")
  const { impls, base } = implsOf(records)
  const others = impls.filter((i) => i !== base)
  const groups = rowsOf(records, pin)
    .filter((row) => row.metric.headline === true)
    .sort((a, b) => a.workload.localeCompare(b.workload) || Number(a.placement !== pin) - Number(b.placement !== pin))
    .map((row) => {
      const baseValue = median(row.values(base))
      return {
        label: `${LABELS[row.workload] ?? row.workload}${row.placement === pin ? "" : ` [${row.placement}]`}`,
        sublabel: `${base} ${fmt(baseValue)} ${UNITS[row.workload] ?? ""}`.trim(),
        ratios: others.map((impl) => ({ impl, ratio: median(row.values(impl)) / baseValue }))
      }
    })
  return { groups, impls: others, base }
}

export const renderSvg = (groups: ReadonlyArray<Group>, impls: ReadonlyArray<string>, base: string, title: string, subtitle: string): string => {
  const color = (impl: string, i: number) => COLORS[impl] ?? EXTRA_COLORS[i % EXTRA_COLORS.length]!
  const barW = 22
  const gap = 4
  const groupPad = 26
  const groupW = Math.max(126, impls.length * (barW + gap) - gap + groupPad)
  const left = 56
  const right = 16
  const top = 74
  const plotH = 260
  const bottom = 62
  const width = Math.max(640, left + right + groups.length * groupW)
  const height = top + plotH + bottom
  const maxRatio = Math.max(1.2, ...groups.flatMap((g) => g.ratios.map((r) => (Number.isFinite(r.ratio) ? r.ratio : 0))))
  const yMax = Math.ceil(maxRatio * 5) / 5
  const y = (v: number) => top + plotH - (v / yMax) * plotH
  const out: Array<string> = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11">`)
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`)
  out.push(`<text x="${left}" y="20" font-size="14" font-weight="bold">${esc(title)}</text>`)
  out.push(`<text x="${left}" y="37" fill="#555">${esc(subtitle)}</text>`)
  // legend
  let lx = left
  impls.forEach((impl, i) => {
    out.push(`<rect x="${lx}" y="48" width="12" height="12" fill="${color(impl, i)}"/>`)
    out.push(`<text x="${lx + 16}" y="58">${esc(`${impl} / ${base}`)}</text>`)
    lx += 24 + impl.length * 7 + base.length * 7 + 20
  })
  // y grid and axis
  const step = yMax > 2 ? 0.5 : 0.2
  for (let v = 0; v <= yMax + 1e-9; v += step) {
    const yy = y(v).toFixed(1)
    out.push(`<line x1="${left}" x2="${width - right}" y1="${yy}" y2="${yy}" stroke="#e4e4e4"/>`)
    out.push(`<text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" fill="#555">${v.toFixed(1)}</text>`)
  }
  out.push(`<text transform="translate(14 ${top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#555">ratio to ${esc(base)} (higher is better)</text>`)
  // bars
  groups.forEach((g, gi) => {
    const x0 = left + (groupW - (impls.length * (barW + gap) - gap)) / 2 + gi * groupW
    g.ratios.forEach((r, i) => {
      const x = x0 + i * (barW + gap)
      if (!Number.isFinite(r.ratio)) {
        out.push(`<text x="${x + barW / 2}" y="${y(0) - 4}" text-anchor="middle" fill="#999">-</text>`)
        return
      }
      const h = Math.max(1, (Math.min(r.ratio, yMax) / yMax) * plotH)
      out.push(`<rect x="${x}" y="${(y(0) - h).toFixed(1)}" width="${barW}" height="${h.toFixed(1)}" fill="${color(r.impl, i)}"><title>${esc(`${g.label} ${g.sublabel}: ${r.impl} ${r.ratio.toFixed(2)}`)}</title></rect>`)
      out.push(`<text x="${x + barW / 2}" y="${(y(0) - h - 3).toFixed(1)}" text-anchor="middle" font-size="9">${r.ratio.toFixed(2)}</text>`)
    })
    const cx = x0 + (impls.length * (barW + gap) - gap) / 2
    out.push(`<text x="${cx}" y="${top + plotH + 16}" text-anchor="middle" font-weight="bold">${esc(g.label)}</text>`)
    out.push(`<text x="${cx}" y="${top + plotH + 30}" text-anchor="middle" fill="#555" font-size="9">${esc(g.sublabel)}</text>`)
  })
  // baseline
  out.push(`<line x1="${left}" x2="${width - right}" y1="${y(1).toFixed(1)}" y2="${y(1).toFixed(1)}" stroke="#c0392b" stroke-dasharray="5 4"/>`)
  out.push(`<text x="${width - right}" y="${(y(1) - 4).toFixed(1)}" text-anchor="end" fill="#c0392b">${esc(base)} = 1</text>`)
  out.push(`<line x1="${left}" x2="${width - right}" y1="${y(0)}" y2="${y(0)}" stroke="#333"/>`)
  out.push(`</svg>`)
  return out.join("\n") + "\n"
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const projectDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..")
  const file = process.argv[2] ?? latestRun(path.join(projectDir, "bench/results"))
  const outFile = path.resolve(process.argv[3] ?? path.join(projectDir, "docs/performance-chart.svg"))
  if (file === undefined) {
    process.stderr.write("no bench/results/run-*.jsonl: run `npm run bench` first\n")
    process.exit(2)
  }
  const { meta, records } = readRun(file)
  const { groups, impls, base } = groupsOf(records, meta)
  if (groups.length === 0 || impls.length === 0) {
    process.stderr.write(`${file}: nothing to chart (needs a baseline and at least one other implementation)\n`)
    process.exit(2)
  }
  const date = String(meta["date"] ?? "").slice(0, 10)
  const title = `effect-luasocket against raw Node, ${date}`
  const load = typeof meta["load"] === "string" ? `; load average ${meta["load"].split(" ")[0]} at the start` : ""
  const subtitle = `npm run bench, ${path.basename(file)}: medians of ${String(meta["reps"] ?? "?")} runs; [same] = server and client on one CPU${load}`
  fs.writeFileSync(outFile, renderSvg(groups, impls, base, title, subtitle))
  process.stderr.write(`chart: ${path.relative(process.cwd(), outFile)} (from ${path.relative(process.cwd(), file)})\n`)
}
