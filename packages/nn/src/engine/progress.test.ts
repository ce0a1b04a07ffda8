// Tests of the progress display: the bar and line formats, verbose 1 on a terminal (redrawn
// with \r) and elsewhere (final line only), verbose 2 (one line per epoch) and verbose 0.

import '@nabla/backend-cpu';
import { randomNormal, setBackend } from '@nabla/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { dense } from '../layers/core.js';
import { formatLogs, progressBar } from './progress.js';
import { sequential } from './sequential.js';

beforeAll(async () => {
  await setBackend('cpu');
});

async function run(verbose: 0 | 1 | 2, isTTY: boolean): Promise<string> {
  const m = sequential([dense({ units: 2, inputShape: [3], activation: 'softmax' })]);
  m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const x = randomNormal([40, 3], { seed: 1 });
  const y = randomNormal([40], { seed: 2 }).greater(0).cast('int32');
  let out = '';
  await m.fit(x, y, {
    epochs: 2,
    batchSize: 10,
    verbose,
    validationSplit: 0.25,
    writer: { write: (s) => (out += s), isTTY },
  });
  m.dispose();
  return out;
}

describe('progress display', () => {
  it('formats the bar like Keras', () => {
    expect(progressBar(0, 10)).toBe(`[${'.'.repeat(30)}]`);
    expect(progressBar(5, 10)).toBe(`[${'='.repeat(14)}>${'.'.repeat(15)}]`);
    expect(progressBar(10, 10)).toBe(`[${'='.repeat(30)}]`);
    expect(formatLogs({ loss: 0.43214, accuracy: 0.87 })).toBe(' - loss: 0.4321 - accuracy: 0.8700');
    expect(formatLogs({ loss: 0.0000123 })).toBe(' - loss: 1.2300e-5');
  });

  it('verbose 1 off a terminal prints the epoch header and the final line', async () => {
    const lines = (await run(1, false)).trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe('Epoch 1/2');
    expect(lines[1]).toMatch(
      /^3\/3 \[={30}\] - \d+s \d+(ms|us)\/step - loss: \d\.\d{4} - accuracy: \d\.\d{4} - val_loss: \d\.\d{4} - val_accuracy: \d\.\d{4}$/,
    );
    expect(lines[2]).toBe('Epoch 2/2');
  });

  it('verbose 1 on a terminal redraws in place', async () => {
    const out = await run(1, true);
    expect(out).toContain(`\r1/3 [${'='.repeat(9)}>${'.'.repeat(20)}]`);
    expect(out).toMatch(/\r3\/3 \[={30}\] .* - val_accuracy: \d\.\d{4}\s*\n/);
  });

  it('verbose 2 prints one line per epoch, verbose 0 nothing', async () => {
    const lines = (await run(2, true)).trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^Epoch 2\/2 - \d+s \d+(ms|us)\/step - loss: .* - val_accuracy: \d\.\d{4}$/);
    expect(await run(0, true)).toBe('');
  });
});
