// Core only, no @nabla/nn: trains a small two-layer network to fit sin(x) on [-π, π] with
// valueAndGrads and Adam written in a few lines, printing a progress bar per epoch, on the best
// backend available (or the one --backend names). It shows the core API end to end: tensors,
// autodiff, memory and backends.

import {
  add,
  linspace,
  matmul,
  mean,
  memory,
  randomNormal,
  reshape,
  sin,
  square,
  sub,
  type Tensor,
  tanh,
  tidy,
  type Variable,
  valueAndGrads,
  variable,
  zeros,
} from '@nabla/core';
import { useBackend } from './backend.js';
import { backendFlag, type ExampleFlags, type ExampleSpec, runExample } from './cli.js';
import { ProgressBar } from './progress.js';

const STEPS = 100;
const LR = 0.01;

const SPEC: ExampleSpec = {
  name: 'core-sine',
  summary:
    'Core only, no @nabla/nn: fits sin(x) on [-π, π] with a 1-32-1 network through valueAndGrads\nand Adam written by hand, 100 steps per epoch, with a progress bar.',
  flags: { backend: backendFlag(), epochs: { help: 'epochs of 100 steps', default: '6' } },
};

async function main(flags: ExampleFlags): Promise<void> {
  const epochs = flags.epochs ?? 6;
  const { name } = await useBackend(flags.backend);
  console.log(`Nabla demo: fitting sin(x) with a 1-32-1 network on the ${name} backend`);

  const x = reshape(linspace(-Math.PI, Math.PI, 256), [256, 1]);
  const y = sin(x);
  const params: Variable[] = [
    variable(randomNormal([1, 32], { stddev: 1, seed: 1 }), { name: 'w1' }),
    variable(zeros([32]), { name: 'b1' }),
    variable(randomNormal([32, 1], { stddev: 0.2, seed: 2 }), { name: 'w2' }),
    variable(zeros([1]), { name: 'b2' }),
  ];
  // Adam state: first and second moments per parameter.
  const m = params.map((p) => variable(zeros([...p.shape]), { trainable: false }));
  const v = params.map((p) => variable(zeros([...p.shape]), { trainable: false }));

  const loss = (w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor): Tensor => {
    const hidden = tanh(add(matmul(x, w1), b1));
    return mean(square(sub(add(matmul(hidden, w2), b2), y)));
  };

  let step = 0;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    console.log(`Epoch ${epoch}/${epochs}`);
    const bar = new ProgressBar(STEPS);
    for (let s = 1; s <= STEPS; s++) {
      step++;
      const { value, grads } = valueAndGrads(loss)(params);
      tidy(() => {
        const b1c = 1 - 0.9 ** step;
        const b2c = 1 - 0.999 ** step;
        params.forEach((p, i) => {
          const g = grads[i]!;
          m[i]!.assign(add(m[i]!.mul(0.9), g.mul(0.1)));
          v[i]!.assign(add(v[i]!.mul(0.999), g.square().mul(0.001)));
          const update = m[i]!.div(b1c).div(v[i]!.div(b2c).sqrt().add(1e-8)).mul(LR);
          p.assign(p.sub(update));
        });
      });
      const lossValue = (await value.data())[0]!;
      value.dispose();
      for (const g of grads) g.dispose();
      bar.update(s, { loss: lossValue });
    }
  }
  const final = tidy(() => loss(params[0]!, params[1]!, params[2]!, params[3]!));
  console.log(
    `final mean squared error: ${(await final.data())[0]!.toFixed(5)}; live tensors: ${memory().numTensors}`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await runExample(SPEC, main);
