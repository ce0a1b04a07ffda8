// losses (being written).
export {};
