import { randomUniform, setBackend, tensor } from '@nabla/core';
import '@nabla/backend-cpu';
if (process.argv[2] === 'wasm') await import('@nabla/backend-wasm');

import { adam, batchNormalization, conv2d, dense, flatten, maxPooling2d, sequential } from '@nabla/nn';

await setBackend(process.argv[2] ?? 'cpu');
const m = sequential([
  conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [28, 28, 1] }),
  batchNormalization(),
  maxPooling2d({ poolSize: 2 }),
  conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' }),
  batchNormalization(),
  maxPooling2d({ poolSize: 2 }),
  flatten(),
  dense({ units: 128, activation: 'relu' }),
  dense({ units: 10, activation: 'softmax' }),
]);
m.compile({ optimizer: adam({ learningRate: 1e-3 }), loss: 'categoricalCrossentropy' });
const n = Number(process.argv[3] ?? 64);
const x = randomUniform([n, 28, 28, 1]);
const yv = new Float32Array(n * 10);
for (let i = 0; i < n; i++) yv[i * 10 + (i % 10)] = 1;
const y = tensor(yv, [n, 10]);
for (let r = 0; r < 3; r++) {
  const t = performance.now();
  const h = await m.fit(x, y, { epochs: 1, batchSize: 64, verbose: 0 });
  const s = (performance.now() - t) / 1000;
  console.log(n / s, 'samples/s', h.history.loss);
}
