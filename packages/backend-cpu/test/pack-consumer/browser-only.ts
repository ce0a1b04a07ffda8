// The parts of the pack test's consumer that need a browser: a seeded model saved to the page's
// IndexedDB, loaded back with identical predictions and fitted on from where it stopped (Adam's
// state included), beside the same model fitted straight through; and images through a real
// canvas with browser.fromPixels / browser.toPixels. The test (../pack.test.ts) checks the numbers.

import { browser, cast, div, randomNormal, setBackend } from '@nabla/core';
import { adam, dense, glorotUniform, loadModel, sequential } from '@nabla/nn';

/** What the page computed; compared by the test. */
export interface BrowserResult {
  model: {
    /** Predictions of the saved model and of the one loaded from IndexedDB. */
    saved: number[];
    loaded: number[];
    /** Losses of one fit straight through, and of a fit stopped, saved, loaded and resumed. */
    straight: number[];
    resumed: number[];
  };
  pixels: {
    shape: number[];
    fromCanvas: number[];
    fromCanvasRGBA: number[];
    fromBitmap: number[];
    fromImage: number[];
    toPixels: number[];
    toPixelsFloat: number[];
    drawn: number[];
    canvasSize: number[];
  };
}

const EPOCHS = 3;
const FIT = { batchSize: 4, shuffle: false, verbose: 0 } as const;

/** The same weights every time: seeded initializers. */
function seededModel() {
  const model = sequential([
    dense({ units: 8, activation: 'tanh', inputShape: [3], kernelInitializer: glorotUniform({ seed: 1 }) }),
    dense({ units: 1, kernelInitializer: glorotUniform({ seed: 2 }) }),
  ]);
  model.compile({ optimizer: adam({ learningRate: 0.05 }), loss: 'meanSquaredError' });
  return model;
}

async function modelRoundTrip(): Promise<BrowserResult['model']> {
  await setBackend('cpu');
  const x = randomNormal([16, 3], { seed: 1 });
  const y = randomNormal([16, 1], { seed: 2 });
  const straight = seededModel();
  const all = (await straight.fit(x, y, { ...FIT, epochs: 2 * EPOCHS })).history['loss'] ?? [];
  const model = seededModel();
  const first = (await model.fit(x, y, { ...FIT, epochs: EPOCHS })).history['loss'] ?? [];
  await model.save('indexeddb://pack-test');
  const loaded = await loadModel('indexeddb://pack-test');
  const saved = Array.from(await model.predict(x).data());
  const loadedPredictions = Array.from(await loaded.predict(x).data());
  const rest = (await loaded.fit(x, y, { ...FIT, epochs: EPOCHS })).history['loss'] ?? [];
  return { saved, loaded: loadedPredictions, straight: all, resumed: [...first, ...rest] };
}

/** A 3 × 2 canvas: a red, a green and a dark blue-gray column. */
function paintedCanvas(): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = 3;
  canvas.height = 2;
  const ctx = canvas.getContext('2d')!;
  for (const [column, color] of ['rgb(255, 0, 0)', 'rgb(0, 255, 0)', 'rgb(10, 20, 30)'].entries()) {
    ctx.fillStyle = color;
    ctx.fillRect(column, 0, 1, 2);
  }
  return canvas;
}

async function pixels(): Promise<BrowserResult['pixels']> {
  const canvas = paintedCanvas();
  const rgb = browser.fromPixels(canvas);
  const rgba = browser.fromPixels(canvas, 4);
  const bitmap = await createImageBitmap(canvas);
  const fromBitmap = browser.fromPixels(bitmap);
  bitmap.close();
  const image = new Image();
  image.src = canvas.toDataURL('image/png');
  await image.decode();
  const fromImage = browser.fromPixels(image);
  const out = document.createElement('canvas');
  const bytes = await browser.toPixels(rgb, out);
  const scaled = div(cast(rgb, 'float32'), 255);
  const bytesFloat = await browser.toPixels(scaled);
  const drawn = out.getContext('2d')!.getImageData(0, 0, out.width, out.height).data;
  const result = {
    shape: rgb.shape.slice(),
    fromCanvas: Array.from(await rgb.data()),
    fromCanvasRGBA: Array.from(await rgba.data()),
    fromBitmap: Array.from(await fromBitmap.data()),
    fromImage: Array.from(await fromImage.data()),
    toPixels: Array.from(bytes),
    toPixelsFloat: Array.from(bytesFloat),
    drawn: Array.from(drawn),
    canvasSize: [out.width, out.height],
  };
  for (const t of [rgb, rgba, fromBitmap, fromImage, scaled]) t.dispose();
  return result;
}

/** Runs the browser-only parts. */
export async function runBrowserParts(): Promise<BrowserResult> {
  return { model: await modelRoundTrip(), pixels: await pixels() };
}
