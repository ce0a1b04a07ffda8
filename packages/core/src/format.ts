// NumPy-style printing of tensors: aligned columns, `1.` for whole floats, `...` past 1000
// elements (three items kept at each end of every axis), and the dtype at the end.

import { type DType, isFloat, type TypedArray } from './dtype.js';

const EDGE = 3;
const SUMMARY_THRESHOLD = 1000;

function formatNumber(v: number, dtype: DType, decimals: number): string {
  if (dtype === 'bool') return v ? 'True' : 'False';
  if (dtype === 'int32') return String(v);
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (decimals === 0) return `${v.toFixed(0)}.`;
  const abs = Math.abs(v);
  if (abs !== 0 && (abs >= 1e8 || abs < 1e-4)) return v.toExponential(4);
  return v.toFixed(decimals).replace(/0+$/, '').replace(/\.$/, '.');
}

/** Formats values of `shape` like NumPy's repr: `tensor([[1., 2.], [3., 4.]], dtype=float32)`. */
export function formatTensor(values: TypedArray, shape: readonly number[], dtype: DType): string {
  const size = values.length;
  const summarize = size > SUMMARY_THRESHOLD;
  const floats = isFloat(dtype);
  const allWhole = floats && Array.from(values).every((v) => Number.isInteger(v) || !Number.isFinite(v));
  const decimals = !floats || allWhole ? 0 : 4;
  const cells = Array.from(values, (v) => formatNumber(v, dtype, decimals));
  const width = cells.reduce((w, c) => Math.max(w, c.length), 0);
  const prefix = 'tensor(';
  const strides: number[] = [];
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  const render = (dim: number, offset: number, indent: string): string => {
    if (dim === shape.length) return cells[offset]!.padStart(width);
    const n = shape[dim]!;
    const items: string[] = [];
    const pick =
      summarize && n > 2 * EDGE
        ? [...Array(EDGE).keys(), -1, ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i)]
        : [...Array(n).keys()];
    for (const i of pick)
      items.push(i < 0 ? '...' : render(dim + 1, offset + i * strides[dim]!, `${indent} `));
    const sep = dim === shape.length - 1 ? ', ' : `,${'\n'.repeat(shape.length - dim - 1)}${indent} `;
    return `[${items.join(sep)}]`;
  };
  const body = shape.length === 0 ? (cells[0] ?? '') : render(0, 0, ' '.repeat(prefix.length));
  return `${prefix}${body}, dtype=${dtype})`;
}
