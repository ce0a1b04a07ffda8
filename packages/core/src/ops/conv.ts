// Convolution and pooling in NHWC: conv2d, conv2dTranspose, depthwiseConv2d, maxPool2d, avgPool2d.

import { UnsupportedError } from '../errors.js';
import type { RuleTable } from '../vjp.js';

const todo = (): never => {
  throw new UnsupportedError('conv gradients are being written');
};

/** VJP rules of the convolution and pooling primitives. */
export const CONV_RULES: RuleTable<
  'conv2d' | 'conv2dBackpropInput' | 'conv2dBackpropFilter' | 'maxPool2d' | 'maxPool2dBackward' | 'avgPool2d' | 'avgPool2dBackward'
> = {
  conv2d: todo,
  conv2dBackpropInput: todo,
  conv2dBackpropFilter: todo,
  maxPool2d: todo,
  maxPool2dBackward: todo,
  avgPool2d: todo,
  avgPool2dBackward: todo,
};
