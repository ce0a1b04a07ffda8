// Hand-written SVG line charts for the examples (no plotting library): one or more panels side
// by side, each with axes, ticks, a title and a legend, and one <path> per series.

/** One line of a chart. */
export interface Series {
  name: string;
  xs: readonly number[];
  ys: readonly number[];
  color: string;
  /** Draw dashed (e.g. the fit over the true curve, or validation over training). */
  dashed?: boolean;
}

/** One chart of a figure. */
export interface Panel {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
}

const PANEL_WIDTH = 420;
const PANEL_HEIGHT = 300;
const MARGIN = { left: 56, right: 16, top: 48, bottom: 44 };

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** About five round tick values covering [lo, hi]. */
function ticks(lo: number, hi: number): number[] {
  const span = hi - lo || 1;
  const raw = span / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.push(Number(v.toPrecision(12)));
  return out;
}

function extent(values: readonly number[]): [number, number] {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const pad = (hi - lo) * 0.05;
  return [lo - pad, hi + pad];
}

function renderPanel(panel: Panel, offsetX: number): string {
  const [x0, x1] = extent(panel.series.flatMap((s) => s.xs));
  const [y0, y1] = extent(panel.series.flatMap((s) => s.ys));
  const plotW = PANEL_WIDTH - MARGIN.left - MARGIN.right;
  const plotH = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const px = (x: number) => offsetX + MARGIN.left + ((x - x0) / (x1 - x0)) * plotW;
  const py = (y: number) => MARGIN.top + (1 - (y - y0) / (y1 - y0)) * plotH;
  const fmt = (v: number) => Number(v.toFixed(3)).toString();
  const parts: string[] = [];
  const left = offsetX + MARGIN.left;
  const bottom = MARGIN.top + plotH;
  parts.push(
    `<text x="${left + plotW / 2}" y="20" text-anchor="middle" font-weight="bold">${escapeXml(panel.title)}</text>`,
  );
  for (const t of ticks(x0, x1)) {
    const x = px(t).toFixed(1);
    parts.push(`<line x1="${x}" y1="${MARGIN.top}" x2="${x}" y2="${bottom}" stroke="#eee"/>`);
    parts.push(`<text x="${x}" y="${bottom + 16}" text-anchor="middle">${fmt(t)}</text>`);
  }
  for (const t of ticks(y0, y1)) {
    const y = py(t).toFixed(1);
    parts.push(`<line x1="${left}" y1="${y}" x2="${left + plotW}" y2="${y}" stroke="#eee"/>`);
    parts.push(
      `<text x="${left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${fmt(t)}</text>`,
    );
  }
  // The axes: x along the bottom, y along the left.
  parts.push(`<line x1="${left}" y1="${bottom}" x2="${left + plotW}" y2="${bottom}" stroke="#333"/>`);
  parts.push(`<line x1="${left}" y1="${MARGIN.top}" x2="${left}" y2="${bottom}" stroke="#333"/>`);
  parts.push(
    `<text x="${left + plotW / 2}" y="${PANEL_HEIGHT - 8}" text-anchor="middle">${escapeXml(panel.xLabel)}</text>`,
  );
  parts.push(
    `<text transform="translate(${offsetX + 14} ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(panel.yLabel)}</text>`,
  );
  panel.series.forEach((s, i) => {
    const d = s.xs
      .map((x, j) => `${j === 0 ? 'M' : 'L'}${px(x).toFixed(2)},${py(s.ys[j]!).toFixed(2)}`)
      .join(' ');
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`);
    // The legend: one row between the title and the plot, so it never covers a curve.
    const ly = MARGIN.top - 14;
    const lx = left + i * 130;
    parts.push(
      `<line x1="${lx}" y1="${ly}" x2="${lx + 20}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash}/>`,
    );
    parts.push(`<text x="${lx + 26}" y="${ly}" dominant-baseline="middle">${escapeXml(s.name)}</text>`);
  });
  return parts.join('\n');
}

/**
 * An SVG document with the panels side by side.
 * @example
 * const svg = lineChartSvg([{ title: 'loss', xLabel: 'epoch', yLabel: 'loss',
 *   series: [{ name: 'train', xs: [1, 2], ys: [0.5, 0.3], color: '#1f77b4' }] }]);
 */
export function lineChartSvg(panels: readonly Panel[]): string {
  const width = PANEL_WIDTH * panels.length;
  const body = panels.map((p, i) => renderPanel(p, i * PANEL_WIDTH)).join('\n');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${PANEL_HEIGHT}" viewBox="0 0 ${width} ${PANEL_HEIGHT}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${PANEL_HEIGHT}" fill="white"/>`,
    body,
    '</svg>',
    '',
  ].join('\n');
}
