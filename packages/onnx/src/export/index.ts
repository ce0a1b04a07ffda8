// ONNX export of nn models: exportOnnx (bytes, any backend) and the converters behind it.
export {
  type ExportOnnxOptions,
  exportOnnx,
  ONNX_EXPORT_OPSETS,
  ONNX_EXPORTABLE_LAYERS,
} from './export-onnx.js';
