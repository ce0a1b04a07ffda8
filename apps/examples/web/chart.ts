// A small two-panel line chart on a canvas: training loss and accuracy of every batch against
// epochs, as a faint line and as an exponential moving average that runs on across epoch starts
// (so nothing resets or spikes there), the training mean of each epoch as rings and the
// validation value of each epoch as dots. Redrawn
// whole on every update; a few thousand points cost nothing.

/** One point of a curve: x in epochs (fractional within an epoch), y the logged value. */
export interface Point {
  x: number;
  y: number;
}

/** What the chart shows: each batch's own training values and per-epoch validation points. */
export interface ChartData {
  epochs: number;
  loss: Point[];
  accuracy: Point[];
  valLoss: Point[];
  valAccuracy: Point[];
  /** The training set's mean of each epoch, at the epoch's end (optional). */
  epochLoss?: Point[];
  epochAccuracy?: Point[];
}

const TRAIN_COLOUR = '#3b6fe0';
const RAW_COLOUR = 'rgba(59, 111, 224, 0.25)';
/** Weight of the newest batch in the smoothed curve: about the last 20 batches count. */
const SMOOTHING = 0.1;
const VAL_COLOUR = '#e0702b';
const GRID_COLOUR = '#e3e6ec';
const TEXT_COLOUR = '#5b6270';

/** Resizes the canvas backing store to its CSS size times the device pixel ratio. */
function fitCanvas(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const ratio = window.devicePixelRatio || 1;
  const width = Math.max(1, Math.round(canvas.clientWidth * ratio));
  const height = Math.max(1, Math.round(canvas.clientHeight * ratio));
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('chart: this browser gives no 2D canvas context');
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return ctx;
}

interface Panel {
  title: string;
  left: number;
  top: number;
  width: number;
  height: number;
  yMax: number;
  ticks: number;
  train: Point[];
  val: Point[];
  epoch: Point[];
  format: (v: number) => string;
}

function drawPanel(ctx: CanvasRenderingContext2D, panel: Panel, epochs: number): void {
  const { left, top, width, height, yMax } = panel;
  const px = (x: number) => left + (x / epochs) * width;
  const py = (y: number) => top + height - (Math.min(y, yMax) / yMax) * height;
  ctx.font = '11px system-ui, sans-serif';
  ctx.lineWidth = 1;
  ctx.strokeStyle = GRID_COLOUR;
  ctx.fillStyle = TEXT_COLOUR;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (let i = 0; i <= panel.ticks; i++) {
    const v = (yMax * i) / panel.ticks;
    ctx.beginPath();
    ctx.moveTo(left, py(v));
    ctx.lineTo(left + width, py(v));
    ctx.stroke();
    ctx.fillText(panel.format(v), left - 6, py(v));
  }
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  const tick = Math.max(1, Math.ceil(epochs / 8));
  for (let e = 0; e <= epochs; e += tick) ctx.fillText(String(e), px(e), top + height + 5);
  ctx.textAlign = 'right';
  ctx.fillText('epoch', left + width, top + height + 20);
  ctx.font = '600 12px system-ui, sans-serif';
  ctx.textAlign = 'left';
  ctx.textBaseline = 'bottom';
  ctx.fillStyle = '#1d2230';
  ctx.fillText(panel.title, left, top - 8);
  if (panel.train.length > 0) {
    ctx.lineJoin = 'round';
    ctx.strokeStyle = RAW_COLOUR;
    ctx.lineWidth = 1;
    strokeLine(ctx, panel.train, px, py);
    ctx.strokeStyle = TRAIN_COLOUR;
    ctx.lineWidth = 2;
    strokeLine(ctx, smooth(panel.train), px, py);
  }
  // Epoch means as rings, so a test point at the same place stays visible.
  ctx.strokeStyle = TRAIN_COLOUR;
  ctx.lineWidth = 2;
  for (const p of panel.epoch) {
    ctx.beginPath();
    ctx.arc(px(p.x), py(p.y), 5, 0, 2 * Math.PI);
    ctx.stroke();
  }
  ctx.fillStyle = VAL_COLOUR;
  for (const p of panel.val) {
    ctx.beginPath();
    ctx.arc(px(p.x), py(p.y), 4, 0, 2 * Math.PI);
    ctx.fill();
  }
}

function strokeLine(
  ctx: CanvasRenderingContext2D,
  points: readonly Point[],
  px: (x: number) => number,
  py: (y: number) => number,
): void {
  ctx.beginPath();
  points.forEach((p, i) => {
    if (i === 0) ctx.moveTo(px(p.x), py(p.y));
    else ctx.lineTo(px(p.x), py(p.y));
  });
  ctx.stroke();
}

/**
 * The exponential moving average of a curve, debiased as Adam's moments are (the first points
 * are not pulled towards 0): s_t = (1 - a) s_{t-1} + a y_t, shown as s_t / (1 - (1 - a)^t).
 */
function smooth(points: readonly Point[]): Point[] {
  let average = 0;
  let weight = 0;
  return points.map((p) => {
    average = (1 - SMOOTHING) * average + SMOOTHING * p.y;
    weight = (1 - SMOOTHING) * weight + SMOOTHING;
    return { x: p.x, y: average / weight };
  });
}

/** A round axis top above `max` and its number of grid steps (at most 5). */
function niceAxis(max: number): { yMax: number; ticks: number } {
  for (const step of [0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10]) {
    const ticks = Math.max(1, Math.ceil(max / step - 1e-9));
    if (ticks <= 5) return { yMax: ticks * step, ticks };
  }
  return { yMax: Math.ceil(max), ticks: 5 };
}

/**
 * Draws the loss and accuracy panels side by side, with a legend.
 * @example
 * drawChart(canvas, { epochs: 5, loss: [{ x: 0.1, y: 2.1 }], accuracy: [], valLoss: [], valAccuracy: [] });
 */
export function drawChart(canvas: HTMLCanvasElement, data: ChartData): void {
  const ctx = fitCanvas(canvas);
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  ctx.clearRect(0, 0, width, height);
  const epochs = Math.max(1, data.epochs);
  const gap = 56;
  const panelWidth = (width - 3 * gap + 20) / 2;
  const top = 30;
  const panelHeight = height - top - 52;
  const losses = [...data.loss, ...data.valLoss].map((p) => p.y);
  const lossAxis = niceAxis(Math.max(0.5, ...losses.filter(Number.isFinite)));
  drawPanel(
    ctx,
    {
      title: 'loss',
      left: gap,
      top,
      width: panelWidth,
      height: panelHeight,
      ...lossAxis,
      train: data.loss,
      val: data.valLoss,
      epoch: data.epochLoss ?? [],
      format: (v) => (lossAxis.yMax < 1 ? v.toFixed(2) : v.toFixed(1)),
    },
    epochs,
  );
  drawPanel(
    ctx,
    {
      title: 'accuracy',
      left: 2 * gap + panelWidth - 20,
      top,
      width: panelWidth,
      height: panelHeight,
      yMax: 1,
      ticks: 4,
      train: data.accuracy,
      val: data.valAccuracy,
      epoch: data.epochAccuracy ?? [],
      format: (v) => v.toFixed(2),
    },
    epochs,
  );
  ctx.font = '11px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'left';
  const legendY = height - 8;
  const legend: [string, string][] = [
    ['training: per batch (faint), smoothed, epoch mean (ring)', TRAIN_COLOUR],
    ['test set, end of epoch', VAL_COLOUR],
  ];
  let x = width / 2 - 230;
  for (const [label, colour] of legend) {
    ctx.fillStyle = colour;
    ctx.fillRect(x, legendY - 4, 14, 8);
    ctx.fillStyle = TEXT_COLOUR;
    ctx.fillText(label, x + 20, legendY);
    x += ctx.measureText(label).width + 44;
  }
}
