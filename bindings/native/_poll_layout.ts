/**
 * The shared-memory layout between the main thread and the waiting Worker: a few control
 * words, then the `struct pollfd` array that `poll()` reads and fills in place.
 * @module
 */

/** Indexes of the control words (Int32). */
export const CTL = {
  /** Incremented by the Worker each time `poll()` returned; the main thread waits on it. */
  SEQ: 0,
  /** 1: the main thread handed the set over and the Worker may poll; 0: the main thread owns it. */
  ARM: 1,
  /** Non-zero: the Worker exits. */
  STOP: 2,
  /** Entries of the pollfd array in use. */
  NFDS: 3,
  /** errno of a failed `poll()` (other than EINTR), 0 otherwise. */
  ERRNO: 4,
  WORDS: 16,
} as const;

/** Byte offset of the pollfd array. */
export const FDS_OFFSET = 64;

/** Most descriptors watched at once (a listener, a connection and 3 per queue per agent). */
export const MAX_POLL_FDS = 1024;

/** Size of the shared buffer. */
export const SHARED_BYTES = FDS_OFFSET + 8 * MAX_POLL_FDS;
