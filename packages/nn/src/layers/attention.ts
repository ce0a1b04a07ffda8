// Layers: attention (being written).
export {};
