// The demo page's panels that only render what they are given: the backend line, the class
// probability bars, the backends' comparison table, the list of saved models and the
// downloads. main.ts keeps the state and calls these.

import type { FromWorker, SavedModel } from './protocol.js';

/**
 * The chosen backend (with how it runs) and each skipped one with the reason.
 * @example
 * showBackend(box, { type: 'backend', name: 'wasm', skipped: [], detail: 'chosen, 2 threads' });
 */
export function showBackend(box: HTMLElement, message: Extract<FromWorker, { type: 'backend' }>): void {
  const list = document.createElement('ul');
  if (message.name !== undefined) {
    const chosen = document.createElement('li');
    chosen.innerHTML = '<span class="tag chosen" id="backend-name"></span> <span class="why"></span>';
    const tag = chosen.querySelector<HTMLElement>('.tag')!;
    tag.textContent = message.name;
    tag.dataset['backend'] = message.name;
    chosen.querySelector('.why')!.textContent = message.detail;
    list.append(chosen);
  }
  for (const skipped of message.skipped) {
    const row = document.createElement('li');
    row.innerHTML = '<span class="tag skipped"></span> <span class="why"></span>';
    row.querySelector('.tag')!.textContent = skipped.name;
    row.querySelector('.why')!.textContent = `skipped: ${skipped.reason}`;
    list.append(row);
  }
  box.replaceChildren(list);
}

/**
 * One bar per class with its probability, the most likely marked; empty bars for null.
 * @example
 * drawBars(box, [0.1, 0.9], ['cat', 'dog']);
 */
export function drawBars(bars: HTMLElement, probs: readonly number[] | null, names: readonly string[]): void {
  bars.classList.toggle(
    'wide',
    names.some((name) => name.length > 1),
  );
  // The exact probabilities, for a test to compare a model with its saved and loaded copy.
  if (probs) bars.dataset['probs'] = probs.join(',');
  else delete bars.dataset['probs'];
  let best = -1;
  if (probs) for (let d = 0; d < probs.length; d++) if (best < 0 || probs[d]! > probs[best]!) best = d;
  bars.replaceChildren(
    ...Array.from({ length: 10 }, (_, digit) => {
      const p = probs ? Number(probs[digit]) : 0;
      const row = document.createElement('div');
      row.className = digit === best ? 'bar best' : 'bar';
      row.innerHTML =
        '<span class="digit"></span><span class="track"><span class="fill"></span></span><span class="p"></span>';
      row.querySelector('.digit')!.textContent = names[digit] ?? String(digit);
      row.querySelector<HTMLElement>('.fill')!.style.width = `${(p * 100).toFixed(1)}%`;
      row.querySelector('.p')!.textContent = probs ? `${(p * 100).toFixed(0)}%` : '';
      return row;
    }),
  );
}

/** Empties the comparison table down to its header row. */
export function startCompareTable(table: HTMLTableElement): void {
  const head = document.createElement('tr');
  for (const title of ['backend', 'samples/s', 'seconds', 'loss', 'test accuracy']) {
    const th = document.createElement('th');
    th.textContent = title;
    head.append(th);
  }
  table.replaceChildren(head);
}

/**
 * A row of the comparison table: speed and results of one backend, or why it was skipped.
 * @example
 * showCompareRow(table, row);
 */
export function showCompareRow(
  table: HTMLTableElement,
  row: Extract<FromWorker, { type: 'compare-row' }>,
): void {
  const tr = document.createElement('tr');
  tr.dataset['backend'] = row.backend;
  const cells = row.skipped
    ? [row.backend, `skipped: ${row.skipped}`]
    : [
        row.backend,
        Math.round(row.samplesPerSecond).toLocaleString('en'),
        row.seconds.toFixed(2),
        row.loss.toFixed(4),
        row.accuracy.toFixed(4),
      ];
  cells.forEach((text, i) => {
    const td = document.createElement('td');
    td.textContent = text;
    if (row.skipped && i === 1) {
      td.colSpan = 4;
      td.className = 'skipped';
    }
    tr.append(td);
  });
  if (!row.skipped) {
    tr.dataset['samplesPerSecond'] = String(row.samplesPerSecond);
    tr.dataset['loss'] = String(row.loss);
  }
  table.append(tr);
}

/**
 * The models saved in IndexedDB, each with a Load button that calls `onLoad(name)`.
 * @example
 * showSavedModels(list, models, (name) => load(name));
 */
export function showSavedModels(
  list: HTMLElement,
  models: readonly SavedModel[],
  onLoad: (name: string) => void,
): void {
  list.replaceChildren(
    ...models.map((model) => {
      const item = document.createElement('li');
      item.dataset['name'] = model.name;
      item.innerHTML =
        '<span class="name"></span> <span class="meta"></span> <button type="button" class="secondary load">Load</button>';
      item.querySelector('.name')!.textContent = model.name;
      item.querySelector('.meta')!.textContent =
        `${(model.weightsBytes / 1024).toFixed(0)} KiB, ${new Date(model.dateSaved).toLocaleString('en')}`;
      item.querySelector('button')!.addEventListener('click', () => onLoad(model.name));
      return item;
    }),
  );
}

/**
 * Clicks a download link for each file (the browser saves them to its downloads folder);
 * returns a line saying what was downloaded.
 * @example
 * status.textContent = offerDownloads([['model.onnx', bytes, 'application/octet-stream']]);
 */
export function offerDownloads(
  files: readonly (readonly [name: string, bytes: Uint8Array, type: string])[],
): string {
  for (const [name, bytes, type] of files) {
    const url = URL.createObjectURL(new Blob([new Uint8Array(bytes)], { type }));
    const anchor = document.createElement('a');
    anchor.href = url;
    anchor.download = name;
    anchor.click();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }
  const list = files.map(([name, bytes]) => `${name} (${(bytes.length / 1024).toFixed(1)} KiB)`);
  return `Downloaded ${list.join(' and ')}.`;
}
