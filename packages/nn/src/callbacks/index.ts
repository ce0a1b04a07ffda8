// callbacks (being written).
export {};
