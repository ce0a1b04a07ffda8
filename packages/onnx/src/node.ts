// The Node-only subpath `@nabla/onnx/node`: saveOnnx and the `onnx://` save scheme (export),
// loadOnnx (import).
export * from './export/node.js';
export * from './import/node.js';
