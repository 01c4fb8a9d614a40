/**
 * What the regmap classes share: the sentence for a resource the host kernel manages, and
 * the wait on the instance's clock.
 * @module
 */
import type { TimerClock } from "../../../core/timer_clock.ts";

/**
 * Why a resource marked `host_managed` is read-only: the host kernel owns it (it caches its
 * state and may switch it off as unused), so vscmi writing it would fight the kernel.
 */
export function hostManagedWhy(noun: string, name: string): string {
  return `the host kernel manages ${noun} "${name}" (host_managed = true): vscmi reads it and never writes it; serve it through the linux driver instead`;
}

/** Resolves after `us` microseconds of `clock`; at once (synchronously) for 0. */
export function waitUs(clock: TimerClock, us: number): Promise<void> | void {
  if (us <= 0) return;
  return new Promise((resolve) => clock.setTimer(resolve, us / 1000));
}
