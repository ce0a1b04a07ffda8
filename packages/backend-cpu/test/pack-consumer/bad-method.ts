// Must NOT compile: the pack test checks that tsc rejects a tensor method that does not exist
// (with the installed types a tensor's methods are typed, not `any`).

import { tensor } from '@nabla/core';

export const wrong = tensor([1]).add(1).noSuchMethod();
