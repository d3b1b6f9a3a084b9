// A hand-rolled SVG: brotli size (linear), track() median cost and all main-thread work per event
// of the burst over the bare page (log scales: the SDKs span three orders of magnitude) per SDK,
// tracklet highlighted, the floor tracker as a reference.
import { FLOOR, TRACKLET } from './peers.mjs';

const ROW_PX = 26;
const TOP_PX = 56;
const LABEL_PX = 110;
const PANEL_PX = 330;
const GAP_PX = 60;

const escape = (s) =>
  String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

function panel({ x, title, rows, value, scale, format }) {
  const parts = [`<text x="${x}" y="${TOP_PX - 24}" class="title">${escape(title)}</text>`];
  rows.forEach((row, i) => {
    const v = value(row);
    if (!Number.isFinite(v)) return;
    const y = TOP_PX + i * ROW_PX;
    const w = Math.max(1, scale(v) * PANEL_PX);
    parts.push(
      `<rect x="${x}" y="${y}" width="${w.toFixed(1)}" height="${ROW_PX - 8}" class="${row.sdk.id == TRACKLET ? 'own' : row.sdk.id == FLOOR ? 'floor' : 'peer'}"/>`,
      `<text x="${(x + w + 6).toFixed(1)}" y="${y + ROW_PX - 13}" class="value">${escape(format(v))}</text>`,
    );
  });
  return parts.join('\n');
}

/** A log scale from the smallest of `values` (or `floor`) to 1.5 × the largest. */
function logScale(values, floor) {
  const finite = values.filter((v) => Number.isFinite(v) && v > 0);
  const logMin = Math.log10(Math.min(floor, ...finite));
  const logMax = Math.log10(Math.max(floor * 10, ...finite) * 1.5);
  return (v) => (Math.log10(Math.max(v, 10 ** logMin)) - logMin) / (logMax - logMin);
}

const formatUs = (v) => (v < 10 ? v.toFixed(1) : Math.round(v).toLocaleString('en-US'));

/** The SVG document for these summary rows. */
export function chart(rows) {
  const height = TOP_PX + rows.length * ROW_PX + 16;
  const width = LABEL_PX + 3 * PANEL_PX + 2 * GAP_PX + 90;
  const maxKb = Math.max(...rows.map((r) => r.size?.brotli / 1024).filter(Number.isFinite));
  const labels = rows
    .map(
      (r, i) =>
        `<text x="${LABEL_PX - 10}" y="${TOP_PX + i * ROW_PX + ROW_PX - 13}" class="label${r.sdk.id == TRACKLET ? ' strong' : ''}">${escape(r.sdk.name)}</text>`,
    )
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="13">
<style>
.title { font-weight: 600; fill: #222 } .label { text-anchor: end; fill: #333 } .strong { font-weight: 700 }
.value { fill: #444; font-size: 12px } .peer { fill: #9aa5b1 } .own { fill: #2f6fdf } .floor { fill: #e0a030 }
</style>
<rect width="100%" height="100%" fill="#fff"/>
${labels}
${panel({ x: LABEL_PX, title: 'bundle size, brotli (KB; lower is better)', rows, value: (r) => r.size?.brotli / 1024, scale: (v) => v / maxKb, format: (v) => v.toFixed(1) })}
${panel({
  x: LABEL_PX + PANEL_PX + GAP_PX,
  title: 'track() median per call (µs, log scale)',
  rows,
  value: (r) => r.trackMedianUs,
  scale: logScale(
    rows.map((r) => r.trackMedianUs),
    0.5,
  ),
  format: formatUs,
})}
${panel({
  x: LABEL_PX + 2 * (PANEL_PX + GAP_PX),
  title: 'main thread per event, burst, over bare page (µs, log)',
  rows,
  value: (r) => r.own?.gzip.burstUs,
  scale: logScale(
    rows.map((r) => r.own?.gzip.burstUs),
    10,
  ),
  format: formatUs,
})}
</svg>
`;
}
