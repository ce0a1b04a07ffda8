// Typed errors raised by core before dispatch. Every message reads
// `op: what was expected, got what`, with the shapes, so the user can find the bad call.

/** Base class of every error Nabla raises on purpose. */
export class NablaError extends Error {
  override name = 'NablaError';
}

/** Shapes that do not fit the op: `matmul: inner dimensions must match, got a.shape=[2,3] ...`. */
export class ShapeError extends NablaError {
  override name = 'ShapeError';
}

/** A dtype the op does not accept, or two dtypes that cannot meet. */
export class DTypeError extends NablaError {
  override name = 'DTypeError';
}

/** Something the active backend or op does not support (for example float64 on WebGPU). */
export class UnsupportedError extends NablaError {
  override name = 'UnsupportedError';
}

/** A backend failed to initialise, was not found, or was used wrongly (a disposed tensor, ...). */
export class BackendError extends NablaError {
  override name = 'BackendError';
}

/** Any other invalid argument (a bad axis, a negative size, a wrong option). */
export class ArgumentError extends NablaError {
  override name = 'ArgumentError';
}

/** Formats a shape the way error messages print it: `[2,3]`. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/** A short description of a bad argument for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object') return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
  return `${typeof value} ${String(value)}`;
}

/**
 * Rejects a call with more arguments than the function takes: JS callers get no compiler
 * error, and a dropped argument would be silently wrong.
 */
export function checkArgCount(op: string, count: number, max: number, call: string): void {
  if (count > max) {
    throw new ArgumentError(`${op}: expected at most ${max} argument(s), as in ${call}, got ${count}`);
  }
}
