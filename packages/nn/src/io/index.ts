// io (being written).
export {};
