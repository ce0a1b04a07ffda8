// Weight regularizers, by name or as factories.

export * from './regularizers.js';
