// io: the portable, browser-safe pieces of saving and loading: safetensors encode/decode,
// tensor <-> safetensors helpers, safe JSON parsing and the FormatError they raise.
// File-system helpers (crash-safe folder writes) are Node-only and live in io/node.ts.

export * from './errors.js';
export * from './json.js';
export * from './safetensors.js';
export * from './safetensors-tensors.js';
