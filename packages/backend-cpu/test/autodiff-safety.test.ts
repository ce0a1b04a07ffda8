// Autodiff exception safety on the CPU backend, synchronous and async-only: a throwing
// function, custom gradient or argument leaves no tape active and its arguments disposable.

import { runAutodiffSafetySuite } from '@nabla/core/testing';
import { registerCpuAsync } from '../src/index.js';

registerCpuAsync();
runAutodiffSafetySuite('cpu');
runAutodiffSafetySuite('cpu-async');
