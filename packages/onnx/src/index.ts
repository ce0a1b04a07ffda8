// @nabla/onnx: ONNX export and import for nn models (work in progress; see README).
export {};
