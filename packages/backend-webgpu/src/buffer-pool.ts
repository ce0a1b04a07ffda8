// Storage buffers by size class, reused across tensors. A freed buffer may still be read by
// commands recorded in the open command encoder, so it is parked until that encoder is
// submitted (`release`), and only then can the next allocation take it. Pooled bytes are capped;
// past the cap, released buffers are destroyed instead.

/** Usage of every tensor buffer: bound as storage, written by uploads, copied out for reads. */
export const STORAGE_USAGE = 0x80 /* STORAGE */ | 0x8 /* COPY_DST */ | 0x4; /* COPY_SRC */

/**
 * The size class of a request: 16-byte aligned, then rounded up to a power of two below 64 KiB
 * and to a multiple of 64 KiB above (so a pool of mixed sizes wastes at most a few percent).
 * @example
 * sizeClass(12); // 16
 * sizeClass(100_000); // 131072
 */
export function sizeClass(bytes: number): number {
  const aligned = Math.max(16, Math.ceil(bytes / 16) * 16);
  if (aligned <= 65536) return 2 ** Math.ceil(Math.log2(aligned));
  return Math.ceil(aligned / 65536) * 65536;
}

/** Storage buffers for one device. */
export class BufferPool {
  readonly #device: GPUDevice;
  readonly #free = new Map<number, GPUBuffer[]>();
  /** Released while the open encoder may still use them; pooled at the next submit. */
  #parked: GPUBuffer[] = [];
  #pooledBytes = 0;
  #liveBytes = 0;

  constructor(
    device: GPUDevice,
    /** Most bytes kept in the pool; more are destroyed when released. */
    readonly capBytes: number,
  ) {
    this.#device = device;
  }

  /** A buffer of at least `bytes` (its size is the size class). */
  acquire(bytes: number): GPUBuffer {
    const size = sizeClass(bytes);
    const list = this.#free.get(size);
    const reused = list?.pop();
    if (reused) {
      this.#pooledBytes -= size;
      this.#liveBytes += size;
      return reused;
    }
    const buffer = this.#device.createBuffer({ size, usage: STORAGE_USAGE });
    this.#liveBytes += size;
    return buffer;
  }

  /** Gives a buffer back; `inFlight` when the open encoder may still use it. */
  release(buffer: GPUBuffer, inFlight: boolean): void {
    this.#liveBytes -= buffer.size;
    if (inFlight) this.#parked.push(buffer);
    else this.#pool(buffer);
  }

  /** The open encoder was submitted: parked buffers may be reused. */
  submitted(): void {
    const parked = this.#parked;
    this.#parked = [];
    for (const b of parked) this.#pool(b);
  }

  #pool(buffer: GPUBuffer): void {
    if (this.#pooledBytes + buffer.size > this.capBytes) {
      buffer.destroy();
      return;
    }
    const list = this.#free.get(buffer.size) ?? [];
    list.push(buffer);
    this.#free.set(buffer.size, list);
    this.#pooledBytes += buffer.size;
  }

  /** Bytes in buffers held by tensors, and in the pool (parked included). */
  get bytes(): { live: number; pooled: number } {
    const parked = this.#parked.reduce((n, b) => n + b.size, 0);
    return { live: this.#liveBytes, pooled: this.#pooledBytes + parked };
  }

  /** Destroys every pooled and parked buffer. */
  dispose(): void {
    for (const list of this.#free.values()) for (const b of list) b.destroy();
    for (const b of this.#parked) b.destroy();
    this.#free.clear();
    this.#parked = [];
    this.#pooledBytes = 0;
  }
}
