/**
 * The `shmem` transport: SCMI over `arm,scmi-shmem` channel areas in memory shared with the
 * guest, rung by an SMC/HVC trap (Linux's `arm,scmi-smc` and `arm,scmi-smc-param`) or a
 * mailbox doorbell (`arm,scmi`). Per agent: its channel areas at the offsets the manifest
 * declares, the function id (or mailbox channel number) of each, and for a mailbox agent a
 * platform→agent channel for notifications and delayed responses. An SMC/HVC agent has no
 * platform→agent channel, so it is offered no notifications and no asynchronous commands.
 *
 * Memory, traps and interrupts come from a binding (`binding = "file"`: a file and two Unix
 * sockets in the run directory, see `bindings/file/README.md`); {@linkcode shmemTransportWith}
 * makes the transport with other bindings, e.g. a hypervisor's trap source.
 * @module
 */
import { defineTransport, type TransportDef, type TransportHandle } from "../../core/transport.ts";
import { systemClock } from "../../core/timer_clock.ts";
import { fileBinding } from "../../bindings/file/mod.ts";
import { type ShmemBindingDef, SMCCC_NOT_SUPPORTED } from "./binding.ts";
import { ShmemEndpoint } from "./endpoint.ts";
import { shmemGuestDt } from "./guest_dt.ts";
import { checkShmemOptions, SHMEM_OPTIONS } from "./options.ts";

/** The shmem transport over `bindings` (binding name → definition; the first is the default). */
export function shmemTransportWith(bindings: readonly ShmemBindingDef[]): TransportDef {
  const names = bindings.map((b) => b.name);
  return defineTransport({
    api: 1,
    name: "shmem",
    summary: "arm,scmi-shmem channels in shared memory, rung by SMC/HVC traps or a mailbox",
    options: SHMEM_OPTIONS,
    checkOptions(options, agent) {
      const cfg = checkShmemOptions(options, names);
      const def = bindings.find((b) => b.name === cfg.binding)!;
      return { listens: def.listens(agent).map((address) => ({ address })) };
    },
    guestDt: shmemGuestDt,
    async start(env): Promise<TransportHandle> {
      const cfg = checkShmemOptions(env.options, names);
      const def = bindings.find((b) => b.name === cfg.binding)!;
      const name = env.agent.name;
      let ep: ShmemEndpoint | null = null;
      const binding = await def.start({
        agent: name,
        runDir: env.runDir,
        size: cfg.shmSize,
        log: env.log,
        doorbell: (a0, a1, a2, a3) =>
          ep === null ? Promise.resolve(SMCCC_NOT_SUPPORTED) : ep.doorbell(a0, a1, a2, a3),
        interruptsReady: () => ep?.drainP2a(),
      });
      ep = new ShmemEndpoint(env, cfg, binding.memory, binding, {
        log: env.log,
        clock: systemClock,
        label: `${name}@${binding.address}`,
      });
      const endpoint = ep;
      return {
        address: binding.address,
        p2a: endpoint.p2a,
        async close() {
          endpoint.close();
          await binding.close();
        },
      };
    },
  });
}

/** The shmem transport with the built-in bindings (`file`). */
export const shmemTransport: TransportDef = shmemTransportWith([fileBinding]);
