// Layers by family, initializers and regularizers.

export * from './attention.js';
export * from './conv.js';
export * from './core.js';
export * from './embedding.js';
export * from './initializers.js';
export * from './merge.js';
export * from './normalization.js';
export * from './pooling.js';
export * from './recurrent.js';
export * from './regularizers.js';
