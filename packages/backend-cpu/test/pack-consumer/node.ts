// Node entry of the pack test's consumer: runs the program and prints its result as JSON;
// `using` checks that Tensor is Disposable in the installed types.

import { type Tensor, tensor } from '@nabla/core';
import { runProgram } from './program.js';

const result = await runProgram();
let scoped: Tensor | undefined;
{
  using t = tensor([1, 2, 3]);
  scoped = t;
}
console.log(JSON.stringify({ ...result, disposedByUsing: scoped.isDisposed }));
