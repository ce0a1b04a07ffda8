// Browser entry of the pack test's consumer: runs the program and leaves the result (or the
// error) on the page for the test to read.

import { runProgram } from './program.js';

const root = document.documentElement;
runProgram().then(
  (result) => {
    root.dataset['result'] = JSON.stringify(result);
  },
  (error: unknown) => {
    root.dataset['error'] = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  },
);
