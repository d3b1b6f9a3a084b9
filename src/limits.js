// Every limit the library and the collector share, defined once. Plain JavaScript with JSDoc
// types so that the collector (plain Node ESM) imports the same file the library is built from;
// docs/protocol.md states each one.

/** Segment's and Customer.io's limit for one message's JSON, in bytes (Segment HTTP API: "32KB per call"). */
export const MAX_MESSAGE_BYTES = 32_768;

/** The most a batch request's body may hold, in bytes (Segment HTTP API: "500KB per batch request"). */
export const MAX_BATCH_BYTES = 512_000;

/** Customer.io's limit for an event name, in UTF-8 bytes (Track API: "name ... 100 bytes"). */
export const MAX_EVENT_NAME_BYTES = 100;

/** Customer.io's limit for a person's id, in UTF-8 bytes (Track API: "identifier ... 150 bytes"). */
export const MAX_ID_BYTES = 150;

/** The first millisecond of the year 10000: later times need a six-digit ISO year, which collectors refuse. */
export const YEAR_10000_MS = 253_402_300_800_000;
