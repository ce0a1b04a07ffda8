// Layers: core (being written).
export {};
