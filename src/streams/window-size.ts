// How many records a window holds when nothing else says: one definition for the one-shot calls,
// the VIPER batch endpoints and continuous solutions.

/** Records in a window when the caller names neither a count nor a training set to take it from. */
export const DEFAULT_WINDOW_RECORDS = 100;

/**
 * The most records a window of the last T seconds holds unless it says otherwise: it bounds the
 * memory a solution reserves per entity (one row of features per record).
 */
export const DEFAULT_MAX_WINDOW_RECORDS = 10_000;

export interface WindowSize {
  /** The last N records. */
  records?: number;
  /** Or the records of the last T seconds, at most `maxRecords`. */
  seconds?: number;
  maxRecords?: number;
}

/** The most records the window can hold: what it keeps in memory and what a restart re-reads. */
export function windowCapacity(window: WindowSize): number {
  return window.records ?? window.maxRecords ?? DEFAULT_MAX_WINDOW_RECORDS;
}
