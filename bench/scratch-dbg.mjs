import { runBench } from './dist/run.js';

try {
  await runBench({ quick: true, filter: 'matmul 64', json: null });
} catch (e) {
  console.log(e.stack);
}
