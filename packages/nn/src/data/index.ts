// data: browser-safe data helpers: seeded shuffles, train/test splits, mini-batches, IDX and
// CSV decoding from memory, and image splits as tensors. File readers and the data set
// loaders need Node and live in data/node.ts.

export * from './batches.js';
export * from './classes.js';
export * from './csv.js';
export * from './errors.js';
export * from './idx-format.js';
export * from './image-split.js';
export * from './random.js';
export * from './split.js';
