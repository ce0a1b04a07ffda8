// The demo's test results, from the test set's labels and the model's predicted classes: the
// confusion matrix (rows: true class, columns: predicted), each class's accuracy (recall: the
// diagonal over the row), and the misclassified images captioned "predicted (true)".

/** counts[t][p]: test images of true class t predicted as p. */
export function confusionMatrix(
  labels: ArrayLike<number>,
  predictions: ArrayLike<number>,
  classes: number,
): number[][] {
  if (labels.length !== predictions.length) {
    throw new Error(
      `results: expected one prediction per label, got ${predictions.length} for ${labels.length}`,
    );
  }
  const counts = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < labels.length; i++) counts[labels[i]!]![predictions[i]!]!++;
  return counts;
}

/**
 * Renders the matrix as a table with a per-class accuracy column; cells are shaded by their
 * share of the row (blue on the diagonal, red off it).
 * @example
 * renderConfusion(table, confusionMatrix(labels, picks, 10), ['0', '1', ...]);
 */
export function renderConfusion(table: HTMLTableElement, counts: number[][], names: readonly string[]): void {
  const head = document.createElement('tr');
  head.append(cell('th', 'true ↓ / predicted →', 'corner'));
  for (const name of names) head.append(cell('th', name));
  head.append(cell('th', 'accuracy', 'acc'));
  const rows = counts.map((row, t) => {
    const total = row.reduce((a, b) => a + b, 0);
    const tr = document.createElement('tr');
    tr.append(cell('th', names[t]!));
    row.forEach((count, p) => {
      const td = cell('td', count === 0 ? '' : String(count));
      const share = total === 0 ? 0 : count / total;
      if (count > 0) {
        const alpha = (0.12 + 0.78 * share).toFixed(2);
        td.style.background = t === p ? `rgba(59, 111, 224, ${alpha})` : `rgba(214, 69, 69, ${alpha})`;
        if (share > 0.5) td.style.color = '#fff';
      }
      td.title = `${count} test images of ${names[t]} predicted as ${names[p]}`;
      tr.append(td);
    });
    const accuracy = total === 0 ? Number.NaN : row[t]! / total;
    const acc = cell('td', total === 0 ? '–' : `${(accuracy * 100).toFixed(1)}%`, 'acc');
    acc.dataset['accuracy'] = String(accuracy);
    tr.append(acc);
    return tr;
  });
  table.replaceChildren(head, ...rows);
}

function cell(tag: 'td' | 'th', text: string, className?: string): HTMLTableCellElement {
  const c = document.createElement(tag);
  c.textContent = text;
  if (className) c.className = className;
  return c;
}

/** A test image: grey levels in [0, 1], drawn dark on light. */
export interface TestImages {
  images: Float32Array;
  labels: ArrayLike<number>;
  /** Index of the first test image in `images`/`labels`. */
  start: number;
  side: number;
}

/**
 * Tiles of the first `limit` misclassified test images, captioned "predicted (true)"; returns
 * how many were wrong in all.
 * @example
 * const wrong = renderMistakes(box, test, picks, names, 32);
 */
export function renderMistakes(
  box: HTMLElement,
  test: TestImages,
  predictions: ArrayLike<number>,
  names: readonly string[],
  limit: number,
): number {
  const { images, labels, start, side } = test;
  const pixels = side * side;
  const tiles: HTMLElement[] = [];
  let wrong = 0;
  for (let i = 0; i < predictions.length; i++) {
    const pick = predictions[i]!;
    const truth = labels[start + i]!;
    if (pick === truth) continue;
    wrong++;
    if (tiles.length >= limit) continue;
    const tile = document.createElement('figure');
    tile.className = 'tile wrong';
    tile.dataset['predicted'] = String(pick);
    tile.dataset['truth'] = String(truth);
    const canvas = document.createElement('canvas');
    canvas.width = side;
    canvas.height = side;
    const image = new ImageData(side, side);
    const offset = (start + i) * pixels;
    for (let p = 0; p < pixels; p++) {
      const v = 255 - Math.round(images[offset + p]! * 255);
      image.data.set([v, v, v, 255], p * 4);
    }
    canvas.getContext('2d')!.putImageData(image, 0, 0);
    const caption = document.createElement('figcaption');
    caption.textContent = `${names[pick]} (${names[truth]})`;
    caption.title = `predicted ${names[pick]}, truly ${names[truth]}`;
    tile.append(canvas, caption);
    tiles.push(tile);
  }
  box.replaceChildren(...tiles);
  return wrong;
}
