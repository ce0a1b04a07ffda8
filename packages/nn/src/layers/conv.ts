// Layers: conv (being written).
export {};
