// 2-D max and average pooling (NHWC) and their backward kernels as direct loops, four channels
// per f32x4 lane group: NHWC keeps a position's channels contiguous, so every window tap is a
// run of vector loads. Padded positions are ignored (max) or not counted (average). Each call
// covers images [n0, n1) so threads can split a batch.
// Geometry comes as a block of int32s at `geo`, laid out by the POOL_* indices of src/abi.ts.

import {
  POOL_C,
  POOL_FH,
  POOL_FW,
  POOL_H,
  POOL_LEFT,
  POOL_OUT_H,
  POOL_OUT_W,
  POOL_SH,
  POOL_SW,
  POOL_TOP,
  POOL_W,
} from '../src/abi';
import { param } from './common';

// The geometry of the current call, as module globals (per instance, so per worker thread).
let pH: i32 = 0;
let pW: i32 = 0;
let pC: i32 = 0;
let pOutH: i32 = 0;
let pOutW: i32 = 0;
let pFh: i32 = 0;
let pFw: i32 = 0;
let pSh: i32 = 0;
let pSw: i32 = 0;
let pTop: i32 = 0;
let pLeft: i32 = 0;
// The in-bounds window of the current output position, set by `window`.
let yStart: i32 = 0;
let yEnd: i32 = 0;
let xStart: i32 = 0;
let xEnd: i32 = 0;

function readGeo(geo: usize): void {
  pH = param(geo, POOL_H);
  pW = param(geo, POOL_W);
  pC = param(geo, POOL_C);
  pOutH = param(geo, POOL_OUT_H);
  pOutW = param(geo, POOL_OUT_W);
  pFh = param(geo, POOL_FH);
  pFw = param(geo, POOL_FW);
  pSh = param(geo, POOL_SH);
  pSw = param(geo, POOL_SW);
  pTop = param(geo, POOL_TOP);
  pLeft = param(geo, POOL_LEFT);
}

/** Sets the in-bounds window of output (oy, ox); returns how many taps it has. */
function window(oy: i32, ox: i32): i32 {
  const y0 = oy * pSh - pTop;
  const x0 = ox * pSw - pLeft;
  yStart = max(0, y0);
  yEnd = min(pH, y0 + pFh);
  xStart = max(0, x0);
  xEnd = min(pW, x0 + pFw);
  return max(0, yEnd - yStart) * max(0, xEnd - xStart);
}

/** Byte offset of channel 0 at input position (iy, ix) of image `img`. */
// @ts-ignore: decorator
@inline
function at(img: i32, iy: i32, ix: i32): usize {
  return <usize>(((img * pH + iy) * pW + ix) * pC) * 4;
}

/**
 * Whether the windows tile the input exactly: no padding, strides equal to the window, and the
 * output covering every row and column (a 2×2, stride-2 pool over an even image). Then every
 * input position is in exactly one window, always in bounds.
 */
function tiles(): bool {
  return pTop == 0 && pLeft == 0 && pSh == pFh && pSw == pFw && pOutH * pSh == pH && pOutW * pSw == pW;
}

/** Takes v where it is larger than best or NaN, like `v > best || isNaN(v)`. */
// @ts-ignore: decorator
@inline
function maxLanes(v: v128, best: v128): v128 {
  return v128.bitselect(v, best, v128.or(f32x4.gt(v, best), f32x4.ne(v, v)));
}

/** maxPool2d over exactly tiling windows: each window's taps read at fixed strides from its corner. */
function maxPoolTiled(x: usize, y: usize, n0: i32, n1: i32): void {
  const c = pC;
  const vecEnd = c & ~3;
  const tap = <usize>c * 4;
  const row = <usize>(pW * c) * 4;
  let o = y + <usize>n0 * <usize>(pOutH * pOutW * c) * 4;
  for (let img = n0; img < n1; img++) {
    for (let oy = 0; oy < pOutH; oy++) {
      for (let ox = 0; ox < pOutW; ox++) {
        const corner = x + at(img, oy * pFh, ox * pFw);
        let ch = 0;
        if (pFh == 2 && pFw == 2) {
          // The usual 2×2 window, unrolled: the same comparisons in the same order.
          for (; ch < vecEnd; ch += 4) {
            const p = corner + <usize>ch * 4;
            let best = v128.load(p);
            best = maxLanes(v128.load(p + tap), best);
            best = maxLanes(v128.load(p + row), best);
            best = maxLanes(v128.load(p + row + tap), best);
            v128.store(o, best);
            o += 16;
          }
        }
        for (; ch < vecEnd; ch += 4) {
          const p = corner + <usize>ch * 4;
          let best = v128.load(p);
          for (let ty = 0; ty < pFh; ty++) {
            const r = p + <usize>ty * row;
            // The corner itself compares with itself: v > v is false (NaN stays NaN).
            for (let tx = 0; tx < pFw; tx++) best = maxLanes(v128.load(r + <usize>tx * tap), best);
          }
          v128.store(o, best);
          o += 16;
        }
        for (; ch < c; ch++) {
          const p = corner + <usize>ch * 4;
          let best: f32 = -Infinity;
          for (let ty = 0; ty < pFh; ty++) {
            for (let tx = 0; tx < pFw; tx++) {
              const v = load<f32>(p + <usize>ty * row + <usize>tx * tap);
              if (v > best || v != v) best = v;
            }
          }
          store<f32>(o, best);
          o += 4;
        }
      }
    }
  }
}

/** y = the maximum of each window's in-bounds values (NaN propagates; empty windows give -inf). */
export function maxPool2d(x: usize, y: usize, geo: usize, n0: i32, n1: i32): void {
  readGeo(geo);
  if (tiles()) {
    maxPoolTiled(x, y, n0, n1);
    return;
  }
  const c = pC;
  const vecEnd = c & ~3;
  const negInf = f32x4.splat(-Infinity);
  let o = y + <usize>n0 * <usize>(pOutH * pOutW * c) * 4;
  for (let img = n0; img < n1; img++) {
    for (let oy = 0; oy < pOutH; oy++) {
      for (let ox = 0; ox < pOutW; ox++) {
        window(oy, ox);
        let ch = 0;
        for (; ch < vecEnd; ch += 4) {
          let best = negInf;
          for (let iy = yStart; iy < yEnd; iy++) {
            for (let ix = xStart; ix < xEnd; ix++) {
              const v = v128.load(x + at(img, iy, ix) + <usize>ch * 4);
              // Take v where it is larger or NaN, like `v > best || isNaN(v)`.
              const take = v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
              best = v128.bitselect(v, best, take);
            }
          }
          v128.store(o, best);
          o += 16;
        }
        for (; ch < c; ch++) {
          let best: f32 = -Infinity;
          for (let iy = yStart; iy < yEnd; iy++) {
            for (let ix = xStart; ix < xEnd; ix++) {
              const v = load<f32>(x + at(img, iy, ix) + <usize>ch * 4);
              if (v > best || v != v) best = v;
            }
          }
          store<f32>(o, best);
          o += 4;
        }
      }
    }
  }
}

/**
 * dx = each dy routed to the first position of its window holding the maximum (the first NaN,
 * if any), summed over overlapping windows; dx has x's shape and is overwritten for [n0, n1).
 */
export function maxPool2dBackward(x: usize, dy: usize, dx: usize, geo: usize, n0: i32, n1: i32): void {
  readGeo(geo);
  if (tiles()) {
    maxPoolBackwardTiled(x, dy, dx, n0, n1);
    return;
  }
  const c = pC;
  const imageBytes = <usize>(pH * pW * c) * 4;
  memory.fill(dx + <usize>n0 * imageBytes, 0, <usize>(n1 - n0) * imageBytes);
  const vecEnd = c & ~3;
  const negInf = f32x4.splat(-Infinity);
  const none = i32x4.splat(-1);
  let o = dy + <usize>n0 * <usize>(pOutH * pOutW * c) * 4;
  for (let img = n0; img < n1; img++) {
    for (let oy = 0; oy < pOutH; oy++) {
      for (let ox = 0; ox < pOutW; ox++) {
        window(oy, ox);
        let ch = 0;
        for (; ch < vecEnd; ch += 4) {
          let best = negInf;
          let where = none;
          for (let iy = yStart; iy < yEnd; iy++) {
            for (let ix = xStart; ix < xEnd; ix++) {
              const off = at(img, iy, ix) + <usize>ch * 4;
              const v = v128.load(x + off);
              // Strictly greater keeps the first maximum; a NaN wins once, over a non-NaN best.
              const nanOverNumber = v128.andnot(f32x4.ne(v, v), f32x4.ne(best, best));
              const first = i32x4.lt_s(where, i32x4.splat(0));
              const take = v128.or(v128.or(f32x4.gt(v, best), first), nanOverNumber);
              best = v128.bitselect(v, best, take);
              where = v128.bitselect(i32x4.splat(<i32>off), where, take);
            }
          }
          routeLane(dx, i32x4.extract_lane(where, 0), 0, o);
          routeLane(dx, i32x4.extract_lane(where, 1), 1, o);
          routeLane(dx, i32x4.extract_lane(where, 2), 2, o);
          routeLane(dx, i32x4.extract_lane(where, 3), 3, o);
          o += 16;
        }
        for (; ch < c; ch++) {
          let best: f32 = -Infinity;
          let where: i32 = -1;
          for (let iy = yStart; iy < yEnd; iy++) {
            for (let ix = xStart; ix < xEnd; ix++) {
              const off = <i32>at(img, iy, ix) + ch * 4;
              const v = load<f32>(x + <usize>off);
              if (v > best || where < 0 || (v != v && best == best)) {
                best = v;
                where = off;
              }
            }
          }
          if (where >= 0) {
            const d = dx + <usize>where;
            store<f32>(d, load<f32>(d) + load<f32>(o));
          }
          o += 4;
        }
      }
    }
  }
}

/**
 * maxPool2dBackward over exactly tiling windows: each window's taps get dy where they hold its
 * (first) maximum and 0 elsewhere, stored once, as each position is in one window only.
 */
function maxPoolBackwardTiled(x: usize, dy: usize, dx: usize, n0: i32, n1: i32): void {
  const c = pC;
  const vecEnd = c & ~3;
  const tap = <usize>c * 4;
  const row = <usize>(pW * c) * 4;
  const zero = f32x4.splat(0);
  let o = dy + <usize>n0 * <usize>(pOutH * pOutW * c) * 4;
  for (let img = n0; img < n1; img++) {
    for (let oy = 0; oy < pOutH; oy++) {
      for (let ox = 0; ox < pOutW; ox++) {
        const offset = at(img, oy * pFh, ox * pFw);
        const corner = x + offset;
        const target = dx + offset;
        let ch = 0;
        if (pFh == 2 && pFw == 2) {
          // The usual 2×2 window, unrolled: the same comparisons in the same order, each tap's
          // mask kept instead of its index.
          for (; ch < vecEnd; ch += 4) {
            const p = <usize>ch * 4;
            const a = corner + p;
            const v0 = v128.load(a);
            const v1 = v128.load(a + tap);
            const v2 = v128.load(a + row);
            const v3 = v128.load(a + row + tap);
            let best = v0;
            const t1 = v128.or(f32x4.gt(v1, best), v128.andnot(f32x4.ne(v1, v1), f32x4.ne(best, best)));
            best = v128.bitselect(v1, best, t1);
            const t2 = v128.or(f32x4.gt(v2, best), v128.andnot(f32x4.ne(v2, v2), f32x4.ne(best, best)));
            best = v128.bitselect(v2, best, t2);
            const t3 = v128.or(f32x4.gt(v3, best), v128.andnot(f32x4.ne(v3, v3), f32x4.ne(best, best)));
            // Tap k holds the maximum where it was taken and no later tap was.
            const m3 = t3;
            const m2 = v128.andnot(t2, t3);
            const m1 = v128.andnot(t1, v128.or(t2, t3));
            const m0 = v128.not(v128.or(t1, v128.or(t2, t3)));
            const d = f32x4.add(v128.load(o), zero);
            const b = target + p;
            v128.store(b, v128.and(d, m0));
            v128.store(b + tap, v128.and(d, m1));
            v128.store(b + row, v128.and(d, m2));
            v128.store(b + row + tap, v128.and(d, m3));
            o += 16;
          }
        }
        for (; ch < vecEnd; ch += 4) {
          const p = <usize>ch * 4;
          // The first tap's value and index 0, then as in maxPool2dBackward: strictly greater
          // keeps the first maximum, a NaN wins once over a non-NaN best.
          let best = v128.load(corner + p);
          let where = i32x4.splat(0);
          let t = 0;
          for (let ty = 0; ty < pFh; ty++) {
            for (let tx = 0; tx < pFw; tx++) {
              const v = v128.load(corner + <usize>ty * row + <usize>tx * tap + p);
              const nanOverNumber = v128.andnot(f32x4.ne(v, v), f32x4.ne(best, best));
              const take = v128.or(f32x4.gt(v, best), nanOverNumber);
              best = v128.bitselect(v, best, take);
              where = v128.bitselect(i32x4.splat(t), where, take);
              t++;
            }
          }
          // + 0 as the general path's 0 + dy gives it: −0 becomes +0.
          const d = f32x4.add(v128.load(o), zero);
          t = 0;
          for (let ty = 0; ty < pFh; ty++) {
            for (let tx = 0; tx < pFw; tx++) {
              const at = target + <usize>ty * row + <usize>tx * tap + p;
              v128.store(at, v128.bitselect(d, zero, i32x4.eq(where, i32x4.splat(t))));
              t++;
            }
          }
          o += 16;
        }
        for (; ch < c; ch++) {
          const p = <usize>ch * 4;
          let best = load<f32>(corner + p);
          let where = 0;
          let t = 0;
          for (let ty = 0; ty < pFh; ty++) {
            for (let tx = 0; tx < pFw; tx++) {
              const v = load<f32>(corner + <usize>ty * row + <usize>tx * tap + p);
              if (v > best || (v != v && best == best)) {
                best = v;
                where = t;
              }
              t++;
            }
          }
          const d: f32 = load<f32>(o) + 0;
          t = 0;
          for (let ty = 0; ty < pFh; ty++) {
            for (let tx = 0; tx < pFw; tx++) {
              store<f32>(target + <usize>ty * row + <usize>tx * tap + p, t == where ? d : 0);
              t++;
            }
          }
          o += 4;
        }
      }
    }
  }
}

/** Adds dy lane `lane` into dx at `w`, the byte offset of the lane's channel block (-1: none). */
// @ts-ignore: decorator
@inline
function routeLane(dx: usize, w: i32, lane: i32, dy: usize): void {
  if (w >= 0) {
    const d = dx + <usize>w + <usize>lane * 4;
    store<f32>(d, load<f32>(d) + load<f32>(dy + <usize>lane * 4));
  }
}

/** y = the mean over each window's in-bounds positions (padding not counted; empty gives 0). */
export function avgPool2d(x: usize, y: usize, geo: usize, n0: i32, n1: i32): void {
  readGeo(geo);
  const c = pC;
  const vecEnd = c & ~3;
  let o = y + <usize>n0 * <usize>(pOutH * pOutW * c) * 4;
  for (let img = n0; img < n1; img++) {
    for (let oy = 0; oy < pOutH; oy++) {
      for (let ox = 0; ox < pOutW; ox++) {
        const count = window(oy, ox);
        const scale: f32 = count > 0 ? 1 / <f32>count : 0;
        const scaleV = f32x4.splat(scale);
        let ch = 0;
        for (; ch < vecEnd; ch += 4) {
          let sum = f32x4.splat(0);
          for (let iy = yStart; iy < yEnd; iy++) {
            for (let ix = xStart; ix < xEnd; ix++) {
              sum = f32x4.add(sum, v128.load(x + at(img, iy, ix) + <usize>ch * 4));
            }
          }
          v128.store(o, f32x4.mul(sum, scaleV));
          o += 16;
        }
        for (; ch < c; ch++) {
          let sum: f32 = 0;
          for (let iy = yStart; iy < yEnd; iy++) {
            for (let ix = xStart; ix < xEnd; ix++) sum += load<f32>(x + at(img, iy, ix) + <usize>ch * 4);
          }
          store<f32>(o, sum * scale);
          o += 4;
        }
      }
    }
  }
}

/** dx[p] = Σ over windows containing p of dy / count; dx is overwritten for images [n0, n1). */
export function avgPool2dBackward(dy: usize, dx: usize, geo: usize, n0: i32, n1: i32): void {
  readGeo(geo);
  const c = pC;
  const imageBytes = <usize>(pH * pW * c) * 4;
  memory.fill(dx + <usize>n0 * imageBytes, 0, <usize>(n1 - n0) * imageBytes);
  const vecEnd = c & ~3;
  let o = dy + <usize>n0 * <usize>(pOutH * pOutW * c) * 4;
  for (let img = n0; img < n1; img++) {
    for (let oy = 0; oy < pOutH; oy++) {
      for (let ox = 0; ox < pOutW; ox++) {
        const count = window(oy, ox);
        const scale: f32 = count > 0 ? 1 / <f32>count : 0;
        const scaleV = f32x4.splat(scale);
        for (let iy = yStart; iy < yEnd; iy++) {
          for (let ix = xStart; ix < xEnd; ix++) {
            const d = dx + at(img, iy, ix);
            let ch = 0;
            for (; ch < vecEnd; ch += 4) {
              const off = <usize>ch * 4;
              v128.store(d + off, f32x4.add(v128.load(d + off), f32x4.mul(v128.load(o + off), scaleV)));
            }
            for (; ch < c; ch++) {
              const off = <usize>ch * 4;
              store<f32>(d + off, load<f32>(d + off) + load<f32>(o + off) * scale);
            }
          }
        }
        o += <usize>c * 4;
      }
    }
  }
}
