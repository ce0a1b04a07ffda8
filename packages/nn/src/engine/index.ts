// engine (being written).
export {};
