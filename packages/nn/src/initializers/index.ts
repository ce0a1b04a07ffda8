// Weight initializers, by name or as factories.

export * from './initializers.js';
