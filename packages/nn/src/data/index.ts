// data (being written).
export {};
