/** Heap growth measurement for the benchmarks. @module */

/**
 * Runs `fn` `n` times between two forced collections and returns the heap growth per call
 * in bytes. Needs `--v8-flags=--expose-gc`; returns NaN without it.
 */
export function heapGrowthPerCall(fn: () => unknown, n: number): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return NaN;
  for (let i = 0; i < 10_000; i++) fn();
  gc();
  gc();
  const before = Deno.memoryUsage().heapUsed;
  for (let i = 0; i < n; i++) fn();
  gc();
  gc();
  return (Deno.memoryUsage().heapUsed - before) / n;
}
