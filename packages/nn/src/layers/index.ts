// layers (being written).
export {};
