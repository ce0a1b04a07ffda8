// TypeDoc entry point for @nabla/onnx (see typedoc.json): names the module and re-exports the
// package's built declarations, so the reference documents exactly what users import.
/**
 * ONNX export of nn models (`exportOnnx`) and import of ONNX models as trainable nn models (`importOnnx`); `@nabla/onnx/node` adds `saveOnnx`, `loadOnnx` and the `onnx://` save scheme.
 * @module @nabla/onnx
 */

export * from '../../packages/onnx/dist/index.js';
export * from '../../packages/onnx/dist/node.js';
