// Exported models pass ONNX's own checker (onnx.checker.check_model with full shape inference,
// opset 17), where Python's onnx package is installed (.ci/run installs Debian's python3-onnx, and
// in CI a missing one fails the test); outside CI it is skipped with the reason in its name.

import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  add,
  batchNormalization,
  concatenate,
  conv2d,
  conv2dTranspose,
  dense,
  depthwiseConv2d,
  embedding,
  flatten,
  globalAveragePooling2d,
  gru,
  input,
  layerNormalization,
  lstm,
  type Model,
  maxPooling2d,
  model,
  multiHeadAttention,
  sequential,
  simpleRNN,
} from '@nabla/nn';
import { afterAll, describe, expect, it } from 'vitest';
import { exportOnnx } from '../src/index.js';
import { useCpuBackend } from './export-helpers.js';

useCpuBackend();

const PYTHON = '/usr/bin/python3';
// Debian's python3 with the OpenBLAS tuning variables of this machine set crashes on import.
const env: Record<string, string | undefined> = { ...process.env, OMP_NUM_THREADS: '1' };
delete env.OPENBLAS_CORETYPE;
delete env.OPENBLAS_L2_SIZE;
const runChecker =
  spawnSync(PYTHON, ['-c', 'import onnx'], { env }).status === 0 || process.env['CI'] === 'true';

const CHECK = `
import sys, onnx
for path in sys.argv[1:]:
    onnx.checker.check_model(onnx.load(path), full_check=True)
    print('ok', path)
`;

function models(): Model[] {
  const x = input({ shape: [6, 6, 3] });
  const a = conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(x);
  const b = batchNormalization().apply(a);
  const c = maxPooling2d().apply(add().apply([b, conv2d({ filters: 4, kernelSize: 1 }).apply(x)]));
  const joined = concatenate().apply([c, depthwiseConv2d({ kernelSize: 3, padding: 'same' }).apply(c)]);
  const cnn = model({ inputs: x, outputs: [globalAveragePooling2d().apply(joined), flatten().apply(c)] });
  const tokens = input({ shape: [5], dtype: 'int32' });
  const e = embedding({ inputDim: 9, outputDim: 4 }).apply(tokens);
  const r = simpleRNN({ units: 3, returnSequences: true }).apply(e);
  const l = lstm({ units: 3, returnSequences: true, goBackwards: true }).apply(r);
  const rnn = model({ inputs: tokens, outputs: gru({ units: 2 }).apply(l) });
  const q = input({ shape: [4, 6] });
  const att = multiHeadAttention({ numHeads: 2, keyDim: 3 }).apply([q, q]);
  const block = model({
    inputs: q,
    outputs: dense({ units: 6, activation: 'gelu' }).apply(layerNormalization().apply(add().apply([q, att]))),
  });
  const up = sequential([
    conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', inputShape: [4, 4, 1] }),
  ]);
  return [cnn, rnn, block, up];
}

describe('exportOnnx and onnx.checker', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it.skipIf(!runChecker)(
    `passes check_model with full shape inference${runChecker ? '' : ' (skipped: Python onnx is not installed; apt-get install python3-onnx)'}`,
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'nabla-onnx-check-'));
      dirs.push(dir);
      const paths: string[] = [];
      for (const [i, m] of models().entries()) {
        const path = join(dir, `model-${i}.onnx`);
        await writeFile(path, await exportOnnx(m));
        paths.push(path);
        m.dispose();
      }
      const run = spawnSync(PYTHON, ['-c', CHECK, ...paths], { env, encoding: 'utf8' });
      expect(run.stderr).toBe('');
      expect(run.stdout.trim().split('\n')).toHaveLength(paths.length);
    },
  );
});
