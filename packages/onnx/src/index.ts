// @nabla/onnx: ONNX export (export/) and import (import/) for @nabla/nn models, over the
// protobuf schema in proto.ts.
export * from './export/index.js';
export * from './import/index.js';
