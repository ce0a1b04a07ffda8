// Runs before every test file: tensors dropped without dispose() stay counted until a test of
// the safety net releases them, so no test's exact tensor count depends on when V8 collects
// another test's garbage (a FinalizationRegistry callback can run at any await).
import { holdCollectedTensors } from '@nabla/core/testing';

holdCollectedTensors(true);
