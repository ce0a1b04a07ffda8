// io: the portable, browser-safe pieces of saving and loading: safetensors encode/decode,
// tensor <-> safetensors helpers, safe JSON parsing and the errors they raise, the registry of
// save/load handlers by scheme, the browser handlers (IndexedDB, downloads, File/Blob, http(s))
// and the TensorFlow.js Layers import. File-system helpers and the folder handler are Node-only
// and live in io/node.ts.

export * from './browser.js';
export * from './errors.js';
export * from './http.js';
export * from './indexeddb.js';
export * from './json.js';
export * from './router.js';
export * from './safetensors.js';
export * from './safetensors-tensors.js';
export * from './sha256.js';
export * from './tfjs.js';
