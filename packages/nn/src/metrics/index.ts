// metrics (being written).
export {};
