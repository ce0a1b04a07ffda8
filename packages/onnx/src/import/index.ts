// ONNX import as nn models (in progress).
export {};
