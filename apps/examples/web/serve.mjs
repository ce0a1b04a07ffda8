// A tiny static server for the built demo (web/dist), on loopback. It sends
// Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp, so the
// page is crossOriginIsolated and SharedArrayBuffer (wasm threads) is available.
// `node web/serve.mjs [--port N] [--dir PATH] [--help]` (the `web:serve` script); a bad flag or a
// busy port is one line on stderr and exit code 2. Tests call `serveWeb`.

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

const USAGE = `Usage: node web/serve.mjs [--port N] [--dir PATH]
   or: npx -y pnpm@10.34.8 --filter @nabla/examples web:serve [--port N] [--dir PATH]

Serves the browser demo (web/dist, built first when missing) on 127.0.0.1 with the COOP/COEP
headers that make the page cross-origin isolated (wasm threads).

Flags:
  --port N      port to listen on, 0 for a free one (default: $PORT, or 8080)
  --dir PATH    folder to serve, with an index.html (default: web/dist)
  -h, --help    print this help and exit`;

/** A bad command line or a port that cannot be had: one line, the hint, exit code 2. */
class UsageError extends Error {}

/**
 * Reads `--port N`, `--dir PATH` and `--help` (also as `--flag=value`).
 * @param {readonly string[]} argv
 * @returns {{ help: true } | { help: false, port: number, dir: string | undefined }}
 */
export function parseServeArgs(argv) {
  const args = argv[0] === '--' ? argv.slice(1) : [...argv];
  if (args.includes('--help') || args.includes('-h')) return { help: true };
  /** @type {Record<string, string>} */
  const values = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') ? arg.slice(2, eq < 0 ? undefined : eq) : '';
    if (name !== 'port' && name !== 'dir') {
      throw new UsageError(
        arg.startsWith('--')
          ? `unknown flag --${name} (web:serve takes --port, --dir)`
          : `unexpected argument '${arg}'`,
      );
    }
    if (name in values) throw new UsageError(`--${name} is given twice`);
    /** @type {string | undefined} */
    let value = eq < 0 ? args[i + 1] : arg.slice(eq + 1);
    if (eq < 0 && value !== undefined && !value.startsWith('--')) i++;
    else if (eq < 0) value = undefined;
    if (!value) throw new UsageError(`--${name}: missing value`);
    values[name] = value;
  }
  const portText = values.port ?? process.env.PORT ?? '8080';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    throw new UsageError(`--port: expected an integer from 0 to 65535, got '${portText}'`);
  }
  return { help: false, port, dir: values.dir };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  /** @param {string} message @returns {never} */
  const fail = (message) => {
    process.stderr.write(`web:serve: ${message}\nRun 'node web/serve.mjs --help' for usage.\n`);
    process.exit(2);
  };
  let options;
  try {
    options = parseServeArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    fail(error.message);
  }
  if (options.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const { port, dir } = options;
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
  try {
    const { url } = await serveWeb({ port, dir });
    console.log(`Nabla browser demo: ${url} (cross-origin isolated: COOP same-origin, COEP require-corp)`);
    console.log('Ctrl+C to stop.');
  } catch (error) {
    const code = /** @type {{ code?: string }} */ (error).code;
    if (code === 'EADDRINUSE')
      fail(`port ${port} is in use; pick another with --port N (0 picks a free one)`);
    if (code === 'EACCES') fail(`no permission to listen on port ${port}; pick one above 1023 with --port N`);
    fail(error instanceof Error ? error.message : String(error));
  }
}
