// Batched command submission: one command encoder and one compute pass collect dispatches and
// are submitted every `flushEvery` dispatches and before every read. Each dispatch's parameters
// (sizes, shapes, strides) go into a slot of one uniform ring, written to the GPU once per
// submit, so shaders never bake shapes in and their pipelines are reused across shapes.
// Pipelines are cached by a key the kernel gives (op, dtypes, layout).

import { BackendError } from '@nabla/core';
import type { BufferPool } from './buffer-pool.js';
import { withExtensions } from './wgsl.js';

/** Bytes of one dispatch's parameter block (the 256-byte uniform offset alignment). */
export const PARAM_SLOT = 256;
/** Most workgroups along one grid axis; larger grids fold into a second axis. */
export const MAX_GROUPS_PER_AXIS = 65535;

/** A compute dispatch: its pipeline, parameters and buffers (inputs, then outputs). */
export interface Dispatch {
  readonly pipeline: GPUComputePipeline;
  /** At most PARAM_SLOT bytes; bound at binding 0. */
  readonly params: Uint32Array;
  /** Bound at bindings 1, 2, ... in order. */
  readonly buffers: readonly GPUBuffer[];
  /** Workgroups to run (folded into 2-D past 65,535), or an explicit 3-D grid. */
  readonly workgroups: number | readonly [number, number, number];
}

/** The open encoder, the uniform ring and the pipeline cache of one device. */
export class CommandQueue {
  readonly #device: GPUDevice;
  readonly #pool: BufferPool;
  readonly #pipelines = new Map<string, GPUComputePipeline>();
  readonly #ringHost: Uint32Array<ArrayBuffer>;
  readonly #ring: GPUBuffer;
  #encoder: GPUCommandEncoder | null = null;
  #pass: GPUComputePassEncoder | null = null;
  #count = 0;
  /** Submitted work not yet known to be finished. */
  #inFlight: Promise<void> = Promise.resolve();

  constructor(
    device: GPUDevice,
    pool: BufferPool,
    /** Dispatches per submit. */
    readonly flushEvery = 16,
  ) {
    this.#device = device;
    this.#pool = pool;
    this.#ringHost = new Uint32Array((flushEvery * PARAM_SLOT) / 4);
    this.#ring = device.createBuffer({
      size: flushEvery * PARAM_SLOT,
      usage: 0x40 /* UNIFORM */ | 0x8 /* COPY_DST */,
    });
  }

  /** Whether the open encoder holds work (so freed buffers must wait for the submit). */
  get pending(): boolean {
    return this.#count > 0;
  }

  /** The cached pipeline for `key`, compiling `code()` the first time. */
  pipeline(key: string, code: () => string): GPUComputePipeline {
    let p = this.#pipelines.get(key);
    if (!p) {
      const module = this.#device.createShaderModule({ code: withExtensions(code()) });
      p = this.#device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
      this.#pipelines.set(key, p);
    }
    return p;
  }

  /** Number of cached pipelines. */
  get pipelineCount(): number {
    return this.#pipelines.size;
  }

  /** Records one dispatch; submits when the batch is full. */
  dispatch(d: Dispatch): void {
    if (d.params.byteLength > PARAM_SLOT) {
      throw new BackendError(
        `webgpu: a dispatch's parameters take ${d.params.byteLength} bytes (most ${PARAM_SLOT})`,
      );
    }
    if (!this.#encoder) {
      this.#encoder = this.#device.createCommandEncoder();
      this.#pass = this.#encoder.beginComputePass();
    }
    const slot = this.#count;
    this.#ringHost.set(d.params, (slot * PARAM_SLOT) / 4);
    const entries: GPUBindGroupEntry[] = [
      { binding: 0, resource: { buffer: this.#ring, offset: slot * PARAM_SLOT, size: d.params.byteLength } },
    ];
    d.buffers.forEach((buffer, i) => {
      entries.push({ binding: i + 1, resource: { buffer } });
    });
    const group = this.#device.createBindGroup({ layout: d.pipeline.getBindGroupLayout(0), entries });
    const pass = this.#pass!;
    pass.setPipeline(d.pipeline);
    pass.setBindGroup(0, group);
    if (typeof d.workgroups === 'number') {
      const x = Math.min(d.workgroups, MAX_GROUPS_PER_AXIS);
      pass.dispatchWorkgroups(x, Math.ceil(d.workgroups / x));
    } else {
      const [x, y, z] = d.workgroups;
      if (Math.max(x, y, z) > MAX_GROUPS_PER_AXIS) {
        throw new BackendError(
          `webgpu: a grid of ${x}x${y}x${z} workgroups (most ${MAX_GROUPS_PER_AXIS} per axis)`,
        );
      }
      pass.dispatchWorkgroups(x, y, z);
    }
    this.#count++;
    if (this.#count >= this.flushEvery) this.flush();
  }

  /** Submits the open encoder (parameters first), then lets parked buffers be reused. */
  flush(extra?: (encoder: GPUCommandEncoder) => void): void {
    if (!this.#encoder && !extra) return;
    const encoder = this.#encoder ?? this.#device.createCommandEncoder();
    this.#pass?.end();
    if (this.#count > 0) {
      this.#device.queue.writeBuffer(this.#ring, 0, this.#ringHost, 0, (this.#count * PARAM_SLOT) / 4);
    }
    extra?.(encoder);
    this.#device.queue.submit([encoder.finish()]);
    this.#encoder = null;
    this.#pass = null;
    this.#count = 0;
    this.#pool.submitted();
    this.#inFlight = this.#device.queue.onSubmittedWorkDone();
  }

  /** Resolves when everything submitted so far has run. */
  async sync(): Promise<void> {
    this.flush();
    await this.#inFlight;
  }

  /** Destroys the uniform ring. */
  dispose(): void {
    this.#pass?.end();
    this.#encoder = null;
    this.#pass = null;
    this.#ring.destroy();
  }
}
