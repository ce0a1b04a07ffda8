// Node entry of the pack test's consumer: runs the program, then a product on WebGPU (Dawn), and
// prints the results as JSON;
// `using` checks that Tensor is Disposable in the installed types. The type-only imports bring
// the other public subpaths' declarations into the checked program.

import { createNodeWebGpuBackend } from '@nabla/backend-webgpu/node';
import { registerBackend, setBackend, type Tensor, tensor } from '@nabla/core';
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
// WebGPU in Node: Dawn (the `webgpu` package, an optional peer) on the Vulkan driver of the machine.
registerBackend('webgpu-node', () => createNodeWebGpuBackend({ dawnFlags: ['backend=vulkan'] }));
await setBackend('webgpu-node');
const a = tensor([
  [1, 2],
  [3, 4],
]);
const webgpuProduct = await a
  .matmul([
    [5, 6],
    [7, 8],
  ])
  .array();
console.log(JSON.stringify({ ...result, disposedByUsing: scoped.isDisposed, webgpuProduct }));
// Dawn keeps the process alive while a device lives: exit once the result is out.
process.exit(0);
