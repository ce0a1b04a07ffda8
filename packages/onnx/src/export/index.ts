// ONNX export of nn models (in progress).
export {};
