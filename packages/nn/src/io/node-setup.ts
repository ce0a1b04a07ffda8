// Node only: what @nabla/nn adds in Node when it loads (through the `node` export condition of
// the main entry, or @nabla/nn/node): the folder handler of plain paths and file:// targets
// (registered by folder.ts) and node:fs as csvLogger's file system.

import * as fsp from 'node:fs/promises';
import { setCsvFileSystem } from '../callbacks/csv-logger.js';
import './folder.js';

setCsvFileSystem(fsp);
