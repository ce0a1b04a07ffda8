// The Keras-style progress display of `fit`: `verbose: 1` draws a bar per epoch, redrawn in
// place with \r on a terminal (only the final line elsewhere); `verbose: 2` prints one line per
// epoch. Output goes through a writer so tests (and browsers) can capture it.

import { Callback, type Logs, type TrainingParams } from '../callbacks/callback.js';

/** Where progress text goes. `isTTY` enables in-place redraws. */
export interface ProgressWriter {
  write(text: string): void;
  readonly isTTY?: boolean;
}

interface NodeStdout {
  write(text: string): unknown;
  isTTY?: boolean;
}

/**
 * The default writer: process.stdout in Node, console.log line by line elsewhere.
 * @example
 * const w = defaultWriter(); w.write('hello\n');
 */
export function defaultWriter(): ProgressWriter {
  const stdout = (globalThis as { process?: { stdout?: NodeStdout } }).process?.stdout;
  if (stdout) return { write: (text) => void stdout.write(text), isTTY: stdout.isTTY === true };
  let pending = '';
  return {
    write(text) {
      pending += text.replace(/\r/g, '');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) console.log(line);
    },
    isTTY: false,
  };
}

/**
 * A logged number as Keras prints it: 4 decimals, or exponent form when tiny.
 * @example
 * formatValue(0.43214); // '0.4321'
 * formatValue(0.0000123); // '1.2300e-5'
 */
export function formatValue(v: number): string {
  if (v !== 0 && Math.abs(v) < 1e-3) return v.toExponential(4);
  return v.toFixed(4);
}

/**
 * ` - loss: 0.1234 - accuracy: 0.9000` for the logged keys.
 * @example
 * formatLogs({ loss: 0.5, accuracy: 0.9 });
 * // ' - loss: 0.5000 - accuracy: 0.9000'
 */
export function formatLogs(logs: Logs): string {
  return Object.entries(logs)
    .map(([k, v]) => ` - ${k}: ${formatValue(v)}`)
    .join('');
}

function formatTime(ms: number, steps: number): string {
  const total = `${Math.round(ms / 1000)}s`;
  const per = ms / Math.max(steps, 1);
  const perStep =
    per >= 1000
      ? `${Math.round(per / 1000)}s/step`
      : per >= 1
        ? `${Math.round(per)}ms/step`
        : `${Math.round(per * 1000)}us/step`;
  return `${total} ${perStep}`;
}

/**
 * `[=====>........]`, 30 characters wide like Keras.
 * @example
 * progressBar(5, 10); // '[==============>...............]'
 * progressBar(10, 10); // 30 '=' between brackets
 */
export function progressBar(current: number, total: number, width = 30): string {
  const filled = Math.floor((width * current) / Math.max(total, 1));
  const head = filled > 0 ? `${'='.repeat(filled - 1)}${current < total ? '>' : '='}` : '';
  return `[${head}${'.'.repeat(width - Math.max(filled, 0))}]`;
}

/**
 * Prints training progress (added by `fit` when `verbose` is 1 or 2).
 * @example
 * const logger = new ProgressLogger({ verbose: 1, writer: { write: (s) => out.push(s) } });
 */
export class ProgressLogger extends Callback {
  readonly #verbose: number;
  readonly #writer: ProgressWriter;
  #epochs = 1;
  #steps: number | undefined;
  #start = 0;
  #lastDraw = 0;
  #lastWidth = 0;
  #seen = 0;

  constructor(options: { verbose: number; writer?: ProgressWriter }) {
    super();
    this.#verbose = options.verbose;
    this.#writer = options.writer ?? defaultWriter();
  }

  override setParams(params: TrainingParams): void {
    super.setParams(params);
    this.#epochs = params.epochs;
    this.#steps = params.steps;
  }

  override onEpochBegin(epoch: number): void {
    this.#start = now();
    this.#lastDraw = 0;
    this.#lastWidth = 0;
    this.#seen = 0;
    if (this.#verbose === 1) this.#writer.write(`Epoch ${epoch + 1}/${this.#epochs}\n`);
  }

  override onBatchEnd(batch: number, logs: Logs = {}): void {
    this.#seen = batch + 1;
    if (this.#verbose !== 1 || !this.#writer.isTTY) return;
    const t = now();
    if (t - this.#lastDraw < 50 && this.#seen !== this.#steps) return;
    this.#lastDraw = t;
    this.#draw(this.#line(this.#seen, logs, t - this.#start), false);
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    const elapsed = now() - this.#start;
    if (this.#steps === undefined) this.#steps = this.#seen;
    if (this.#verbose === 2) {
      this.#writer.write(
        `Epoch ${epoch + 1}/${this.#epochs} - ${formatTime(elapsed, this.#seen)}${formatLogs(logs)}\n`,
      );
      return;
    }
    this.#draw(this.#line(this.#seen, logs, elapsed), true);
  }

  #line(current: number, logs: Logs, elapsed: number): string {
    const steps = this.#steps;
    const head =
      steps === undefined ? `${current}/Unknown` : `${current}/${steps} ${progressBar(current, steps)}`;
    return `${head} - ${formatTime(elapsed, current)}${formatLogs(logs)}`;
  }

  #draw(line: string, final: boolean): void {
    if (this.#writer.isTTY) {
      const pad = ' '.repeat(Math.max(0, this.#lastWidth - line.length));
      this.#lastWidth = line.length;
      this.#writer.write(`\r${line}${pad}${final ? '\n' : ''}`);
    } else if (final) {
      this.#writer.write(`${line}\n`);
    }
  }
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}
