// The inputs a device operator receives: backend tensors, host values (constants and shape
// arithmetic), or null for an omitted optional input; and turning a host value into a tensor.

import { type Tensor, tensor, UnsupportedError } from '@nabla/core';
import { type HostArray, intsOf } from './host.js';
import type { NodeInfo } from './read.js';

/** An input as a device op sees it: a tensor, a host value, or null when omitted. */
export type Arg = Tensor | HostArray | null;

/** Whether the argument is a host value rather than a tensor. */
export function isHost(a: Arg | undefined): a is HostArray {
  return a !== null && a !== undefined && 'kind' in a && !('dtype' in a);
}

/** A tensor of the argument (a host value becomes a float32, int32 or bool tensor). */
export function asTensor(a: Arg | undefined, node: NodeInfo, i: number): Tensor {
  if (a === null || a === undefined) throw new UnsupportedError(`${node.label}: input ${i} is required`);
  if (!isHost(a)) return a;
  const dtype = a.kind === 'float' ? 'float32' : a.kind === 'int' ? 'int32' : 'bool';
  return tensor(a.data, [...a.shape], dtype);
}

/** The integers of a host argument; a value computed on the device cannot be read synchronously. */
export function ints(a: Arg | undefined, node: NodeInfo, i: number): number[] {
  if (a === null || a === undefined) throw new UnsupportedError(`${node.label}: input ${i} is required`);
  if (!isHost(a)) {
    throw new UnsupportedError(
      `${node.label}: input ${i} must be a constant or computed from shapes, not from tensor values`,
    );
  }
  return intsOf(a);
}

/** The integers of an optional host argument, or null when it is omitted. */
export function optInts(a: Arg | undefined, node: NodeInfo, i: number): number[] | null {
  return a === null || a === undefined ? null : ints(a, node, i);
}
