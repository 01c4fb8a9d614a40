/**
 * The vhost-user transport's wire as a VMM and its guest speak it, for the transport
 * conformance suite: the test front-end of `bindings/vhost-user/_frontend.ts` sets up guest
 * memory and both rings, then each request is a descriptor chain on the command queue
 * (request readable, response writable) and the reply is what the used ring reports.
 * @module
 */
import {
  bufferBase,
  DriverRing,
  Frontend,
  type RingFds,
  ringLayout,
  startUp,
  TestGuestMemory,
} from "../../bindings/vhost-user/_frontend.ts";
import type { WireAdapter, WireConnection } from "../../testing/mod.ts";

/** Room for a response: the largest reply of the suite's agent (128-byte payloads). */
const RSP = 136;

/** One front-end with running rings. */
export class VhostUserWire implements WireConnection {
  readonly cmdq: DriverRing;
  #closed = false;

  constructor(readonly fe: Frontend, readonly mem: TestGuestMemory, readonly fds: RingFds[]) {
    this.cmdq = new DriverRing(mem, ringLayout(0, 8));
  }

  /** Posts `chain` on the command queue, kicks, and waits for it to be used. */
  async post(chain: { gpa: number; len: number; write: boolean }[]): Promise<number> {
    this.cmdq.add(chain);
    this.fds[0]!.ring();
    for (;;) {
      const [used] = this.cmdq.takeUsed();
      if (used) return used.len;
      await this.fds[0]!.waitCall();
    }
  }

  async request(message: Uint8Array): Promise<Uint8Array> {
    const req = bufferBase(0);
    const rsp = req + 0x100;
    this.mem.bytes.set(message, req - this.mem.gpa);
    const len = await this.post([{ gpa: req, len: message.length, write: false }, {
      gpa: rsp,
      len: RSP,
      write: true,
    }]);
    return this.mem.bytes.slice(rsp - this.mem.gpa, rsp - this.mem.gpa + len);
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.fe.close();
      this.fds.forEach((f) => f.close());
      this.mem.close();
    }
    return Promise.resolve();
  }
}

/** The vhost-user transport's wire adapter, in server mode on a socket in the run directory. */
export const vhostUserWire: WireAdapter<VhostUserWire> = {
  options: () => ({ path: "vm1.sock" }),
  connect: async (handle) => {
    const fe = await Frontend.connect(handle.address.replace(/^vhost-user:/, ""));
    const mem = new TestGuestMemory();
    return new VhostUserWire(fe, mem, await startUp(fe, mem, 8));
  },
  hostile: {
    // A request shorter than a header: used with nothing written, the ring still serving.
    "a 2-byte request, then a request": async (c) => {
      const req = bufferBase(0);
      await c.post([{ gpa: req, len: 2, write: false }, {
        gpa: req + 0x100,
        len: RSP,
        write: true,
      }]);
      const reply = await c.request(new Uint8Array(8));
      if (reply.length !== 8) throw new Error(`a reply of ${reply.length} bytes after junk`);
    },
    // A response buffer too small for any reply.
    "a 4-byte response buffer": async (c) => {
      const req = bufferBase(0);
      await c.post([{ gpa: req, len: 8, write: false }, { gpa: req + 0x100, len: 4, write: true }]);
    },
    // A vhost-user request type that does not exist, then the VMM goes.
    "an unknown vhost-user request": (c) => Promise.resolve(c.fe.send(0xfe)),
  },
};
