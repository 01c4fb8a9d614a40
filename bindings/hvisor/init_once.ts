/**
 * When to call HVISOR_INIT_VIRTIO. The ioctl makes a fresh, zeroed bridge and hands it to
 * hvisor: right once per load of the hvisor kernel module, wrong for a restarted vscmi,
 * whose zones' vCPUs may be spinning on the bridge hvisor already uses. The module's device
 * node is created when the module loads (each boot, each reload), so its inode and creation
 * time name one module instance; vscmi records them in its state directory
 * (`hvisor-bridge`) once it initialised the bridge, and with the same node only maps it.
 * @module
 */
import { join } from "node:path";

/** The record in the state directory. */
export const BRIDGE_MARK = "hvisor-bridge";

/** The identity of the device node at `device` (inode and creation time), or null. */
export function deviceInstance(device: string): string | null {
  try {
    const st = Deno.statSync(device);
    const born = st.birthtime ?? st.ctime;
    return born === null ? null : `${st.dev}:${st.ino}:${born.getTime()}`;
  } catch {
    return null;
  }
}

/**
 * Whether the bridge of `device` must be initialised: always without a state directory,
 * otherwise unless this module instance is recorded there.
 */
export function bridgeNeedsInit(stateDir: string | null, device: string): boolean {
  const id = deviceInstance(device);
  if (stateDir === null || id === null) return true;
  try {
    return Deno.readTextFileSync(join(stateDir, BRIDGE_MARK)).trim() !== id;
  } catch {
    return true;
  }
}

/** Records that the bridge of `device` was initialised for its current module instance. */
export function bridgeInitDone(stateDir: string | null, device: string): void {
  const id = deviceInstance(device);
  if (stateDir === null || id === null) return;
  Deno.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  Deno.writeTextFileSync(join(stateDir, BRIDGE_MARK), `${id}\n`, { mode: 0o600 });
}
