// The "draw a digit" pad: a canvas the user draws on with a mouse, pen or finger, and its
// drawing turned into an MNIST-like 28×28 image the way the data set was made: the ink's
// bounding box scaled to fit 20×20, then centred by its centre of mass in the 28×28 frame. An
// uploaded picture is put on the pad the same way, as light ink on black.

const SIDE = 28;
const BOX = 20;

/** A drawing surface; `image()` gives the 784 grey levels in [0, 1], or null while blank. */
export interface DrawPad {
  clear(): void;
  image(): Float32Array | null;
  /** Puts a picture on the pad as white ink on black (see `inkImage`). */
  show(picture: ImageBitmap): void;
}

/**
 * Makes `canvas` drawable; `onStroke` runs after each stroke ends.
 * @example
 * const pad = createDrawPad(canvas, () => predict(pad.image()));
 */
export function createDrawPad(canvas: HTMLCanvasElement, onStroke: () => void): DrawPad {
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('draw pad: this browser gives no 2D canvas context');
  const clear = () => {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
  };
  clear();
  let last: { x: number; y: number } | null = null;
  const at = (event: PointerEvent) => {
    const rect = canvas.getBoundingClientRect();
    return {
      x: ((event.clientX - rect.left) / rect.width) * canvas.width,
      y: ((event.clientY - rect.top) / rect.height) * canvas.height,
    };
  };
  canvas.addEventListener('pointerdown', (event) => {
    canvas.setPointerCapture(event.pointerId);
    last = at(event);
  });
  canvas.addEventListener('pointermove', (event) => {
    if (!last) return;
    const next = at(event);
    ctx.strokeStyle = '#fff';
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.lineWidth = canvas.width / 13;
    ctx.beginPath();
    ctx.moveTo(last.x, last.y);
    ctx.lineTo(next.x, next.y);
    ctx.stroke();
    last = next;
  });
  const end = () => {
    if (!last) return;
    last = null;
    onStroke();
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  const show = (picture: ImageBitmap) => {
    clear();
    const ink = inkImage(picture);
    const scale = Math.min(canvas.width / ink.width, canvas.height / ink.height);
    const w = ink.width * scale;
    const h = ink.height * scale;
    ctx.drawImage(ink, (canvas.width - w) / 2, (canvas.height - h) / 2, w, h);
  };
  return { clear, image: () => toMnist(canvas), show };
}

/**
 * A picture as grey ink on black, as the pad and MNIST hold digits: transparent parts count as
 * white paper, and a picture whose border is mostly light (dark ink on paper) is inverted.
 */
function inkImage(picture: ImageBitmap): HTMLCanvasElement {
  const out = document.createElement('canvas');
  out.width = picture.width;
  out.height = picture.height;
  const ctx = out.getContext('2d', { willReadFrequently: true })!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.drawImage(picture, 0, 0);
  const pixels = ctx.getImageData(0, 0, out.width, out.height);
  const { data, width, height } = pixels;
  const grey = (i: number) => 0.299 * data[i * 4]! + 0.587 * data[i * 4 + 1]! + 0.114 * data[i * 4 + 2]!;
  let border = 0;
  let count = 0;
  for (let x = 0; x < width; x++) {
    border += grey(x) + grey((height - 1) * width + x);
    count += 2;
  }
  for (let y = 0; y < height; y++) {
    border += grey(y * width) + grey(y * width + width - 1);
    count += 2;
  }
  const invert = border / count > 127;
  for (let i = 0; i < width * height; i++) {
    const v = invert ? 255 - grey(i) : grey(i);
    data.set([v, v, v, 255], i * 4);
  }
  ctx.putImageData(pixels, 0, 0);
  return out;
}

/** The drawing as an MNIST-style image, or null when nothing is drawn. */
function toMnist(canvas: HTMLCanvasElement): Float32Array | null {
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  const { data, width, height } = ctx.getImageData(0, 0, canvas.width, canvas.height);
  let [minX, minY, maxX, maxY] = [width, height, -1, -1];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (data[(y * width + x) * 4]! > 32) {
        minX = Math.min(minX, x);
        maxX = Math.max(maxX, x);
        minY = Math.min(minY, y);
        maxY = Math.max(maxY, y);
      }
    }
  }
  if (maxX < 0) return null;
  const boxW = maxX - minX + 1;
  const boxH = maxY - minY + 1;
  const scale = BOX / Math.max(boxW, boxH);
  const small = document.createElement('canvas');
  small.width = SIDE;
  small.height = SIDE;
  const sctx = small.getContext('2d', { willReadFrequently: true })!;
  sctx.imageSmoothingEnabled = true;
  sctx.imageSmoothingQuality = 'high';
  const w = boxW * scale;
  const h = boxH * scale;
  sctx.drawImage(canvas, minX, minY, boxW, boxH, (SIDE - w) / 2, (SIDE - h) / 2, w, h);
  const grey = sctx.getImageData(0, 0, SIDE, SIDE).data;
  const placed = new Float32Array(SIDE * SIDE);
  let mass = 0;
  let cx = 0;
  let cy = 0;
  for (let i = 0; i < placed.length; i++) {
    const v = grey[i * 4]! / 255;
    placed[i] = v;
    mass += v;
    cx += v * (i % SIDE);
    cy += v * Math.floor(i / SIDE);
  }
  // Shift so the centre of mass sits at the centre of the frame, as in MNIST.
  const dx = Math.round((SIDE - 1) / 2 - cx / mass);
  const dy = Math.round((SIDE - 1) / 2 - cy / mass);
  const image = new Float32Array(SIDE * SIDE);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const sx = x - dx;
      const sy = y - dy;
      if (sx >= 0 && sx < SIDE && sy >= 0 && sy < SIDE) image[y * SIDE + x] = placed[sy * SIDE + sx]!;
    }
  }
  return image;
}
