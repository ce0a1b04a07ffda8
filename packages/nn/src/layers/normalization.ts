// Layers: normalization (being written).
export {};
