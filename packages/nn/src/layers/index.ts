// Layers by family.

export * from './attention.js';
export * from './conv.js';
export * from './core.js';
export * from './embedding.js';
export * from './merge.js';
export * from './normalization.js';
export * from './pooling.js';
export * from './recurrent.js';
