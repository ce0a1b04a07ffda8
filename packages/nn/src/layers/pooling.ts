// Layers: pooling (being written).
export {};
