/**
 * When to call HVISOR_INIT_VIRTIO. The ioctl makes a fresh, zeroed bridge and hands it to
 * hvisor: right once per boot of zone0, wrong for a restarted vscmi, whose zones' vCPUs may
 * be spinning on the bridge hvisor already uses. vscmi records the kernel's boot id in its
 * state directory when it initialised the bridge; with the same boot id it only maps it.
 * @module
 */
import { join } from "node:path";

/** The record in the state directory. */
export const BRIDGE_MARK = "hvisor-bridge";

function bootId(): string | null {
  try {
    return Deno.readTextFileSync("/proc/sys/kernel/random/boot_id").trim();
  } catch {
    return null;
  }
}

/**
 * Whether the bridge must be initialised: always without a state directory or a boot id,
 * otherwise unless this boot's id is recorded there.
 */
export function bridgeNeedsInit(stateDir: string | null): boolean {
  const id = bootId();
  if (stateDir === null || id === null) return true;
  try {
    return Deno.readTextFileSync(join(stateDir, BRIDGE_MARK)).trim() !== id;
  } catch {
    return true;
  }
}

/** Records that the bridge was initialised in this boot. */
export function bridgeInitDone(stateDir: string | null): void {
  const id = bootId();
  if (stateDir === null || id === null) return;
  Deno.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  Deno.writeTextFileSync(join(stateDir, BRIDGE_MARK), `${id}\n`, { mode: 0o600 });
}
