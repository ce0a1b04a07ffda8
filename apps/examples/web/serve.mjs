// A tiny static server for the built demo (web/dist), on loopback. It sends
// Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp, so the
// page is crossOriginIsolated and SharedArrayBuffer (wasm threads) is available.
// `node web/serve.mjs [--port N] [--dir PATH]` (the `web:serve` script); tests call `serveWeb`.

import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIST_DIR = join(fileURLToPath(new URL('.', import.meta.url)), 'dist');

/** @type {Record<string, string>} */
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.gz': 'application/octet-stream',
};

/** The headers that make the page cross-origin isolated, on every response. */
const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/**
 * Serves `dir` on `host:port` (port 0 picks a free one); resolves once listening.
 * @param {{ dir?: string, port?: number, host?: string }} [options]
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
export async function serveWeb(options = {}) {
  const { dir = DIST_DIR, port = 8080, host = '127.0.0.1' } = options;
  const root = normalize(dir);
  try {
    await stat(join(root, 'index.html'));
  } catch {
    throw new Error(
      `web:serve: ${join(root, 'index.html')} is missing; build the page first (npx -y pnpm@10.34.8 --filter @nabla/examples web:build)`,
    );
  }
  const server = createServer(async (request, response) => {
    /** @param {number} status @param {string} type @param {Buffer | string | undefined} body */
    const send = (status, type, body) => {
      response.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-cache', ...ISOLATION });
      response.end(body);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return send(405, 'text/plain', 'method not allowed\n');
    let path;
    try {
      path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    } catch {
      return send(400, 'text/plain', 'bad request\n');
    }
    if (path.endsWith('/')) path += 'index.html';
    const file = normalize(join(root, path));
    if (file !== root && !file.startsWith(root + sep)) return send(403, 'text/plain', 'forbidden\n');
    try {
      const body = await readFile(file);
      send(
        200,
        TYPES[extname(file)] ?? 'application/octet-stream',
        request.method === 'HEAD' ? undefined : body,
      );
    } catch {
      send(404, 'text/plain', `not found: ${path}\n`);
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(undefined));
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://${host}:${actualPort}/`,
    close: () => new Promise((resolve) => server.close(() => resolve(undefined))),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const flag = (/** @type {string} */ name) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const port = Number(flag('--port') ?? process.env.PORT ?? 8080);
  const dir = flag('--dir');
  if (!dir) {
    try {
      await stat(join(DIST_DIR, 'index.html'));
    } catch {
      // A turbo cache hit restores dist/ but not web/dist/: build the page now.
      console.log(`web:serve: ${DIST_DIR} is missing; building it first`);
      const { buildWeb } = await import('./build.mjs');
      await buildWeb();
    }
  }
  const { url } = await serveWeb({ port, dir });
  console.log(`Nabla browser demo: ${url} (cross-origin isolated: COOP same-origin, COEP require-corp)`);
  console.log('Ctrl+C to stop.');
}
