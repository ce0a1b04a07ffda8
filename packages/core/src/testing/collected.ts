// Test-run support: holding back the FinalizationRegistry safety net, so that exact tensor
// counts in one test cannot change when V8 collects tensors another test dropped.

import { ENGINE } from '../engine.js';
import { ArgumentError, checkArgCount, describeValue } from '../errors.js';

/**
 * While on, tensors the garbage collector finds without `dispose()` stay counted in `memory()`
 * and keep their storage; turning it off releases every one held meanwhile. A test setup file
 * turns it on for a whole run; tests of the safety net itself turn it off around themselves.
 * @example
 * holdCollectedTensors(true); // in a vitest setup file
 * holdCollectedTensors(false); // in beforeAll of a test that waits for the safety net
 */
export function holdCollectedTensors(on: boolean): void {
  checkArgCount('holdCollectedTensors', arguments.length, 1, 'holdCollectedTensors(true)');
  if (typeof on !== 'boolean') {
    throw new ArgumentError(`holdCollectedTensors: expected a boolean, got ${describeValue(on)}`);
  }
  ENGINE.holdCollected(on);
}
