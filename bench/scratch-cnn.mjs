import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tfl from '@tensorflow/tfjs-layers';

const req = createRequire(import.meta.url);
setWasmPaths(dirname(req.resolve('@tensorflow/tfjs-backend-wasm')) + '/');
setThreadsCount(1);
tf.env().set('PROD', true);
await tf.setBackend(process.argv[2] ?? 'cpu');
const m = tfl.sequential({
  layers: [
    tfl.layers.conv2d({
      filters: 32,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      inputShape: [28, 28, 1],
    }),
    tfl.layers.batchNormalization(),
    tfl.layers.maxPooling2d({ poolSize: 2 }),
    tfl.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' }),
    tfl.layers.batchNormalization(),
    tfl.layers.maxPooling2d({ poolSize: 2 }),
    tfl.layers.flatten(),
    tfl.layers.dense({ units: 128, activation: 'relu' }),
    tfl.layers.dense({ units: 10, activation: 'softmax' }),
  ],
});
m.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
const n = Number(process.argv[3] ?? 64);
const x = tf.randomUniform([n, 28, 28, 1]);
const y = tf.cast(tf.oneHot(tf.randomUniform([n], 0, 10, 'int32'), 10), 'float32');
for (let r = 0; r < 2; r++) {
  const t = performance.now();
  await m.fit(x, y, { epochs: 1, batchSize: 64, verbose: 0 });
  const s = (performance.now() - t) / 1000;
  console.log(n / s, 'samples/s');
}
