// The types of limits.js, for the library's type check: isolatedDeclarations (tsconfig.json)
// cannot read JavaScript. The values live in limits.js alone; test/unit/limits.test.ts checks
// that both files name the same limits.
export declare const MAX_MESSAGE_BYTES: number;
export declare const MAX_BATCH_BYTES: number;
export declare const MAX_EVENT_NAME_BYTES: number;
export declare const MAX_ID_BYTES: number;
export declare const YEAR_10000_MS: number;
