// The heap's tables of blocks (live blocks, free blocks by start and by end, places in the free
// bins: a block start → a number), each an open-addressing hash table over typed arrays (linear
// probing, deletion by backward shift, so no tombstones). A `Map` costs about 0.5 µs per alloc +
// free under the churn of a training step (thousands of blocks made and freed per step rehash
// its ordered table again and again); this costs a few ns and makes no garbage. Starts are
// multiples of 16 (below 2³⁵, so a wasm32 heap's all fit), stored as start / 16.

const EMPTY = 0;

/**
 * Live blocks by start.
 * @example
 * const t = new BlockTable(); t.set(4096, 64); t.get(4096); // 64
 */
export class BlockTable {
  #keys: Int32Array;
  #sizes: Float64Array;
  #mask: number;
  /** 32 − log2(capacity): slots come from the top bits of the hash. */
  #shift: number;
  #count = 0;

  constructor(capacity = 1024) {
    let cap = 16;
    while (cap < capacity) cap *= 2;
    this.#keys = new Int32Array(cap);
    this.#sizes = new Float64Array(cap);
    this.#mask = cap - 1;
    this.#shift = 32 - Math.log2(cap);
  }

  /** Live blocks in the table. */
  get size(): number {
    return this.#count;
  }

  /** The size of the block at `start`, or undefined when none is live there. */
  get(start: number): number | undefined {
    const key = keyOf(start);
    if (key === EMPTY) return undefined;
    const keys = this.#keys;
    for (let i = slotOf(key, this.#shift); ; i = (i + 1) & this.#mask) {
      const k = keys[i]!;
      if (k === key) return this.#sizes[i];
      if (k === EMPTY) return undefined;
    }
  }

  /** Records a block (a start already live has its size replaced). */
  set(start: number, size: number): void {
    const key = keyOf(start);
    if (key === EMPTY) throw new RangeError(`BlockTable: ${start} is not a block start`);
    if ((this.#count + 1) * 2 > this.#keys.length) this.#grow();
    const keys = this.#keys;
    let i = slotOf(key, this.#shift);
    while (keys[i] !== EMPTY && keys[i] !== key) i = (i + 1) & this.#mask;
    if (keys[i] === EMPTY) this.#count++;
    keys[i] = key;
    this.#sizes[i] = size;
  }

  /** Forgets the block at `start`; false when none was live there. */
  delete(start: number): boolean {
    const key = keyOf(start);
    if (key === EMPTY) return false;
    const keys = this.#keys;
    const sizes = this.#sizes;
    const mask = this.#mask;
    let i = slotOf(key, this.#shift);
    for (; keys[i] !== key; i = (i + 1) & mask) if (keys[i] === EMPTY) return false;
    // Backward shift: later entries of the probe run move into the hole when their home slot
    // does not lie cyclically in (hole, entry].
    let hole = i;
    for (let j = (i + 1) & mask; keys[j] !== EMPTY; j = (j + 1) & mask) {
      const home = slotOf(keys[j]!, this.#shift);
      const between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (between) continue;
      keys[hole] = keys[j]!;
      sizes[hole] = sizes[j]!;
      hole = j;
    }
    keys[hole] = EMPTY;
    this.#count--;
    return true;
  }

  #grow(): void {
    const oldKeys = this.#keys;
    const oldSizes = this.#sizes;
    const cap = oldKeys.length * 2;
    this.#keys = new Int32Array(cap);
    this.#sizes = new Float64Array(cap);
    this.#mask = cap - 1;
    this.#shift = 32 - Math.log2(cap);
    for (let i = 0; i < oldKeys.length; i++) {
      const key = oldKeys[i]!;
      if (key === EMPTY) continue;
      let j = slotOf(key, this.#shift);
      while (this.#keys[j] !== EMPTY) j = (j + 1) & this.#mask;
      this.#keys[j] = key;
      this.#sizes[j] = oldSizes[i]!;
    }
  }
}

/** The stored key of a start: start / 16, or EMPTY (never stored) for anything else. */
function keyOf(start: number): number {
  if (!(start > 0 && start < 2 ** 35 && start % 16 === 0)) return EMPTY;
  return start / 16;
}

/** The home slot of a key: the top bits of its Fibonacci hash. */
function slotOf(key: number, shift: number): number {
  return Math.imul(key, 0x9e3779b1) >>> shift;
}
