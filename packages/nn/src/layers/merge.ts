// Layers: merge (being written).
export {};
