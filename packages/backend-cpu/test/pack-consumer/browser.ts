// Browser entry of the pack test's consumer: runs the program, then the browser-only parts
// (IndexedDB model I/O, pixels through a canvas), and leaves the result (or the error) on the
// page for the test to read.

// Bundled with the others; it registers 'webgpu' on navigator.gpu (the program picks cpu and wasm).
import '@nabla/backend-webgpu';
import { runBrowserParts } from './browser-only.js';
import { runProgram } from './program.js';

const root = document.documentElement;
const run = async () => ({ ...(await runProgram()), browser: await runBrowserParts() });
run().then(
  (result) => {
    root.dataset['result'] = JSON.stringify(result);
  },
  (error: unknown) => {
    root.dataset['error'] = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  },
);
