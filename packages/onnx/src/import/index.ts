// ONNX import: `importOnnx` turns an ONNX model into a functional nn model made of one
// OnnxNodeLayer per computing node, with the initializers as weights.
export { type ImportOnnxOptions, importOnnx } from './import.js';
export { OnnxNodeLayer } from './layer.js';
export { MAX_OPSET, MIN_OPSET } from './read.js';
