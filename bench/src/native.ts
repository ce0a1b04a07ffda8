// The native references: PyTorch on the CPU (a Python child process running
// native/torch-epoch.py) and ONNX Runtime (`onnxruntime-node`, resolved from the workspace
// packages that already depend on it), each found once per run, with the reason when missing.
// Both run at the thread count of the Nabla side they face.

import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** A native peer that is there, or why not. */
export type Found<T> = { ok: true; value: T; version: string } | { ok: false; reason: string };

/** The child's environment: OpenBLAS left to detect the CPU itself, OpenMP at `threads`. */
function torchEnv(threads: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: String(threads) };
  // Set on this machine for other programs; they would pin OpenBLAS to a slower kernel.
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

let python: Found<string> | undefined;

/**
 * The first Python with torch among NABLA_PYTHON, /usr/bin/python3 (Debian's python3-torch) and
 * `python3` on the PATH.
 * @example
 * const found = pythonWithTorch(); // { ok: true, value: '/usr/bin/python3', version: 'PyTorch 1.13.0a0' }
 */
export function pythonWithTorch(): Found<string> {
  if (python) return python;
  const tried: string[] = [];
  const candidates = [process.env.NABLA_PYTHON, '/usr/bin/python3', 'python3'].filter(
    (c): c is string => c !== undefined && c !== '',
  );
  for (const candidate of new Set(candidates)) {
    const probe = spawnSync(candidate, ['-c', 'import torch; print(torch.__version__)'], {
      env: torchEnv(1),
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (probe.status === 0) {
      python = { ok: true, value: candidate, version: `PyTorch ${probe.stdout.trim()}` };
      return python;
    }
    const why = probe.error ? probe.error.message : (probe.stderr.trim().split('\n').pop() ?? '');
    tried.push(`${candidate}: ${why}`);
  }
  python = { ok: false, reason: `no Python with torch (${tried.join('; ')})` };
  return python;
}

/** What a PyTorch training child answers per epoch. */
export interface TorchEpoch {
  seconds: number;
  loss: number;
}

/** A running PyTorch child: `epoch()` trains one epoch and resolves with its time and loss. */
export interface TorchTrainer {
  epoch(): Promise<TorchEpoch>;
  dispose(): void;
}

const TORCH_SCRIPT = fileURLToPath(new URL('../native/torch-epoch.py', import.meta.url));

/**
 * Starts native/torch-epoch.py on `dataFile` (samples·784 pixels then samples·10 one-hot labels,
 * raw float32) and waits until it has trained its warm-up batch.
 */
export async function startTorch(
  interpreter: string,
  options: { kind: 'mlp' | 'cnn'; threads: number; dataFile: string; samples: number; batchSize: number },
): Promise<TorchTrainer> {
  const { kind, threads, dataFile, samples, batchSize } = options;
  const args = [TORCH_SCRIPT, kind, String(threads), dataFile, String(samples), String(batchSize)];
  const child: ChildProcessWithoutNullStreams = spawn(interpreter, args, { env: torchEnv(threads) });
  const waiting: { resolve: (line: string) => void; reject: (error: Error) => void }[] = [];
  let stderr = '';
  let buffered = '';
  let failure: Error | undefined;
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    for (let at = buffered.indexOf('\n'); at >= 0; at = buffered.indexOf('\n')) {
      const line = buffered.slice(0, at);
      buffered = buffered.slice(at + 1);
      waiting.shift()?.resolve(line);
    }
  });
  const fail = (error: Error): void => {
    failure ??= error;
    for (const w of waiting.splice(0)) w.reject(failure);
  };
  child.on('error', fail);
  child.on('exit', (code) => fail(new Error(`bench: PyTorch exited with ${code}: ${stderr.trim()}`)));
  const nextLine = (): Promise<string> =>
    failure
      ? Promise.reject(failure)
      : new Promise((resolve, reject) => {
          waiting.push({ resolve, reject });
        });
  const ready = await nextLine();
  if (!ready.startsWith('ready')) throw new Error(`bench: PyTorch said '${ready}' instead of ready`);
  return {
    async epoch() {
      child.stdin.write('epoch\n');
      const [seconds, loss] = (await nextLine()).split(' ').map(Number);
      return { seconds: seconds!, loss: loss! };
    },
    dispose() {
      child.stdin.end();
      child.kill();
    },
  };
}

/** The parts of onnxruntime-node the bench calls. */
export interface OnnxRuntime {
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => unknown;
  InferenceSession: {
    create(
      model: Uint8Array,
      options: { intraOpNumThreads: number; interOpNumThreads: number; executionMode: 'sequential' },
    ): Promise<{
      run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown }>>;
      release(): Promise<void>;
    }>;
  };
}

let onnxRuntime: Found<OnnxRuntime> | undefined;

/** Workspace packages that depend on onnxruntime-node, where it is resolved from. */
const ORT_HOSTS = ['../../apps/examples/package.json', '../../packages/onnx/package.json', '../package.json'];

/**
 * onnxruntime-node, resolved from the workspace packages that already depend on it (so the bench
 * adds no dependency of its own).
 * @example
 * const ort = onnxRuntimeNode(); // { ok: true, value: <module>, version: 'ONNX Runtime 1.30.0' }
 */
export function onnxRuntimeNode(): Found<OnnxRuntime> {
  if (onnxRuntime) return onnxRuntime;
  const problems: string[] = [];
  for (const host of ORT_HOSTS) {
    try {
      const require = createRequire(new URL(host, import.meta.url));
      const version: string = require('onnxruntime-node/package.json').version;
      onnxRuntime = { ok: true, value: require('onnxruntime-node'), version: `ONNX Runtime ${version}` };
      return onnxRuntime;
    } catch (error) {
      problems.push(error instanceof Error ? error.message.split('\n')[0]! : String(error));
    }
  }
  onnxRuntime = { ok: false, reason: `onnxruntime-node not found (${problems.join('; ')})` };
  return onnxRuntime;
}

/** Protobuf: a varint. */
function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v > 127) {
    out.push((v % 128) | 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/** Protobuf: field `no` as a varint, or length-delimited (bytes, string or message). */
function field(no: number, value: number | string | number[]): number[] {
  if (typeof value === 'number') return [no * 8, ...varint(value)];
  const bytes = typeof value === 'string' ? [...new TextEncoder().encode(value)] : value;
  return [no * 8 + 2, ...varint(bytes.length), ...bytes];
}

/** ValueInfoProto of a float32 tensor `name` of fixed `dims`. */
function tensorInfo(name: string, dims: readonly number[]): number[] {
  const shape = dims.flatMap((d) => field(1, field(1, d)));
  const tensorType = [...field(1, 1), ...field(2, shape)];
  return [...field(1, name), ...field(2, field(1, tensorType))];
}

/**
 * A one-node ONNX model (opset 13), c = MatMul(a, b) with a m×k and b k×n, as bytes, so the bench
 * needs no ONNX tooling of its own.
 * @example
 * const bytes = matmulModel(512, 512, 512);
 */
export function matmulModel(m: number, k: number, n: number): Uint8Array {
  const node = [...field(1, 'a'), ...field(1, 'b'), ...field(2, 'c'), ...field(4, 'MatMul')];
  const graph = [
    ...field(1, node),
    ...field(2, 'matmul'),
    ...field(11, tensorInfo('a', [m, k])),
    ...field(11, tensorInfo('b', [k, n])),
    ...field(12, tensorInfo('c', [m, n])),
  ];
  const opset = [...field(1, ''), ...field(2, 13)];
  return new Uint8Array([...field(1, 8), ...field(8, opset), ...field(7, graph)]);
}
