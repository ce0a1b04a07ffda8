// The public entry point loads as a whole (no import cycles) and exposes the engine's API.

import '@nabla/backend-cpu';
import { ones, setBackend } from '@nabla/core';
import { expect, it } from 'vitest';
import * as nn from '../index.js';

it('exposes models, layers, callbacks and loadModel from @nabla/nn', async () => {
  await setBackend('cpu');
  const m = nn.sequential([nn.dense({ units: 2, inputShape: [3] })]);
  m.compile({ optimizer: nn.adam(), loss: 'mse' });
  const h = await m.fit(ones([4, 3]), ones([4, 2]), {
    epochs: 1,
    verbose: 0,
    callbacks: [nn.earlyStopping()],
  });
  expect(h).toBeInstanceOf(nn.History);
  expect(typeof nn.loadModel).toBe('function');
  expect(nn.registeredLayers()).toEqual(
    expect.arrayContaining(['Dense', 'Sequential', 'Functional', 'InputLayer']),
  );
});
