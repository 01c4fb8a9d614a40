/**
 * The shmem transport's doorbell round trip over the file binding, next to the stream
 * round trip measured in the same run: the six-message mix, one message in flight (what
 * Linux's SMC transport does). A shmem round trip is what a VMM shim does for one trap:
 * the agent's writes into `bench.shm` (status, flags, length, header, parameters), the
 * 32-byte doorbell record, the 8-byte answer, then the reply read back from the channel.
 *
 * Run: `deno task bench`
 * @module
 */
import { FramedClient } from "./_framed_client.ts";
import { mixMessages } from "./_mix.ts";
import { benchPlatform } from "./_bench_platform.ts";
import { streamTransport } from "../transports/stream/mod.ts";
import { shmemTransport } from "../transports/shmem/mod.ts";
import { transportEnv } from "../core/session_port.ts";
import { FileMemory, filePaths } from "../bindings/file/mod.ts";
import { LinuxChannel } from "../transports/shmem/_linux_agent_test.ts";

const FID = 0x8200_0010;
const { platform, agent } = await benchPlatform();
const dir = await Deno.makeTempDir({ prefix: "vscmi-bench-" });
await streamTransport.start(transportEnv(platform, agent, { options: {}, runDir: dir }));
await shmemTransport.start(transportEnv(platform, agent, {
  options: { doorbell: "smc", function_id: FID, channels: [{ offset: 0, size: 0x100 }] },
  runDir: dir,
}));

const messages = mixMessages(16);
const frames = FramedClient.frame(messages);
const stream = new FramedClient(
  await Deno.connect({ transport: "unix", path: `${dir}/bench.sock` }),
);

const paths = filePaths(dir, "bench");
const file = await Deno.open(paths.shm, { read: true, write: true });
const channel = new LinuxChannel(new FileMemory(file, 0x1000), 0, 0x100);
const doorbell = await Deno.connect({ transport: "unix", path: paths.doorbell });
const record = new Uint8Array(32);
new DataView(record.buffer).setBigUint64(0, BigInt(FID), true);
const answer = new Uint8Array(8);

/** One message as Linux's SMC transport sends it; resolves to the reply's status. */
async function shmemRoundTrip(msg: Uint8Array): Promise<number> {
  const dv = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
  const header = dv.getUint32(0, true);
  channel.prepare(header, msg.subarray(4), true);
  await doorbell.write(record);
  for (let got = 0; got < 8;) got += (await doorbell.read(answer.subarray(got))) ?? 8;
  if (!channel.pollDone(header)) throw new Error("No reply in the channel");
  return channel.fetch(16).status;
}

// Every message of the mix must succeed over both.
for (let k = 0; k < messages.length; k++) {
  if ((await stream.roundTrip(frames[k])) < 8) throw new Error("Short stream reply");
  const s = await shmemRoundTrip(messages[k]);
  if (s !== 0) throw new Error(`Mix message ${k} answered ${s} over shmem`);
}

let i = 0;
let j = 0;
Deno.bench({
  name: "stream round trip (unix socket)",
  group: "shmem doorbell round trip (one message of the mix)",
  baseline: true,
  fn: async () => void await stream.roundTrip(frames[i++ % frames.length]),
});
Deno.bench({
  name: "shmem doorbell round trip (file binding)",
  group: "shmem doorbell round trip (one message of the mix)",
  fn: async () => void await shmemRoundTrip(messages[j++ % messages.length]),
});
