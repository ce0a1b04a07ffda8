// XOR reaches 100% accuracy with a two-layer network.

import { describe, expect, it } from 'vitest';
import { runXor, XOR_LABELS } from './xor.js';

describe('xor', () => {
  it('classifies all four points right', async () => {
    const result = await runXor();
    expect(result.accuracy).toBe(1);
    result.predictions.forEach((p, i) => {
      expect(p > 0.5 ? 1 : 0).toBe(XOR_LABELS[i]);
    });
  });
});
