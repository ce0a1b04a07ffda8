// Layers: embedding (being written).
export {};
