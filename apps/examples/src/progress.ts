// A Keras-style terminal progress bar for the examples: `12/50 [=====>....] - 1s 21ms/step -
// loss: 0.1234`. Redraws in place on a TTY; prints one line per epoch elsewhere (CI logs).

/** A progress bar over `total` steps. */
export class ProgressBar {
  readonly #total: number;
  readonly #start = performance.now();
  readonly #tty = Boolean(process.stdout.isTTY);
  #last = 0;

  constructor(total: number) {
    this.#total = total;
  }

  /** Draws step `done` with the given named values. */
  update(done: number, values: Record<string, number>): void {
    const now = performance.now();
    const finished = done >= this.#total;
    if (!this.#tty && !finished) return;
    if (this.#tty && !finished && now - this.#last < 50) return;
    this.#last = now;
    const width = 30;
    const filled = Math.round((done / this.#total) * width);
    const bar = '='.repeat(Math.max(filled - 1, 0)) + (finished ? '=' : '>') + '.'.repeat(width - filled);
    const elapsed = (now - this.#start) / 1000;
    const perStep = ((now - this.#start) / Math.max(done, 1)).toFixed(1);
    const stats = Object.entries(values)
      .map(([k, v]) => `${k}: ${v.toFixed(4)}`)
      .join(' - ');
    const line = `${String(done).padStart(String(this.#total).length)}/${this.#total} [${bar}] - ${elapsed.toFixed(1)}s ${perStep}ms/step - ${stats}`;
    if (this.#tty) process.stdout.write(`\r${line}${finished ? '\n' : ''}`);
    else process.stdout.write(`${line}\n`);
  }
}
