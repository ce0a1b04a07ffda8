// Layers: recurrent (being written).
export {};
