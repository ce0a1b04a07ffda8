// Node entry of the pack test's consumer: runs the program and prints its result as JSON;
// `using` checks that Tensor is Disposable in the installed types. The type-only imports bring
// the other public subpaths' declarations into the checked program.

import { type Tensor, tensor } from '@nabla/core';
import type * as internal from '@nabla/core/internal';
import type * as nnNode from '@nabla/nn/node';
import type * as onnxNode from '@nabla/onnx/node';
import { runProgram } from './program.js';

export type Subpaths = [typeof internal, typeof nnNode, typeof onnxNode];

const result = await runProgram();
let scoped: Tensor | undefined;
{
  using t = tensor([1, 2, 3]);
  scoped = t;
}
console.log(JSON.stringify({ ...result, disposedByUsing: scoped.isDisposed }));
