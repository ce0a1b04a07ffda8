// optimizers (being written).
export {};
