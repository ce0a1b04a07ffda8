// Runs the shared conformance suite on the WebGPU backend, on a software GPU (Dawn over Vulkan
// SwiftShader in CI, see device-setup.ts). It has no float64, so gradients are checked against
// the CPU backend. The cases below need kernels not written yet; each is skipped with its reason.

import '@nabla/backend-cpu';
import { runConformance } from '@nabla/core/testing';
import { registerSoftwareWebGpu } from './device-setup.js';

registerSoftwareWebGpu();

const NOT_YET = {
  reduce: 'needs the topkIndices kernel, not written yet for webgpu',
  pool: 'needs the pooling kernels, not written yet for webgpu',
  image: 'needs the resize kernels, not written yet for webgpu',
};

const SKIP: Record<string, string> = {
  'sort: topk values and indices along the last axis': NOT_YET.reduce,
  'sort: topk with sorted false gives the same entries in index order; empty shapes': NOT_YET.reduce,
  'sort: gradient of topk values': NOT_YET.reduce,
  'conv: maxPool2d and avgPool2d forward, valid and same': NOT_YET.pool,
  'conv: gradient of maxPool2d and avgPool2d': NOT_YET.pool,
  'conv: second-order gradients of pooling': NOT_YET.pool,
  'image: resizeBilinear matches TensorFlow': NOT_YET.image,
  'image: resizeBilinear with halfPixelCenters matches PyTorch bilinear, align_corners=False': NOT_YET.image,
  'image: resizeNearestNeighbor matches TensorFlow and PyTorch nearest-exact': NOT_YET.image,
  'image: resize edge cases (empty batch and channels, size 1, float64)': NOT_YET.image,
  'image: gradients of resizeBilinear and resizeNearestNeighbor': NOT_YET.image,
  'image: second-order gradients of resize': NOT_YET.image,
};

runConformance('webgpu', { referenceBackend: 'cpu', skip: SKIP });
