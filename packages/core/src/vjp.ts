// Kept only for ops/linalg.ts and ops/movement.ts, which another change is editing now: the
// rule types live in vjp-rule.ts. Delete this file once those two import from there.
export type { RuleTable, VjpContext, VjpRule } from './vjp-rule.js';
