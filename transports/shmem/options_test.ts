/**
 * The shmem transport's options: what each doorbell kind needs and refuses, areas that must
 * fit and not overlap, channel numbers and function ids that must tell channels apart.
 */
import { assertEquals, assertThrows } from "../../core/_assert_test.ts";
import { OptionError } from "../../core/options.ts";
import { checkShmemOptions } from "./options.ts";

const A = { offset: 0, size: 0x80 };
const B = { offset: 0x80, size: 0x80 };

/** The option and expectation a bad table is refused with. */
function refusal(options: Record<string, unknown>): [string, string] {
  const e = assertThrows(() => checkShmemOptions(options, ["file"]), OptionError) as OptionError;
  return [e.option, e.expected];
}

Deno.test("shmem options: defaults and what each channel is rung by", () => {
  const smc = checkShmemOptions(
    { doorbell: "smc", function_id: 0x82000010n, channels: [A, { ...B, function_id: 7 }] },
    ["file"],
  );
  assertEquals(smc.binding, "file");
  assertEquals(smc.shmSize, 0x1000);
  assertEquals(smc.channels.map((c) => [c.number, c.functionId]), [[0, 0x82000010], [1, 7]]);
  assertEquals(smc.p2a, null);
  const mb = checkShmemOptions({ doorbell: "mailbox", channels: [A], p2a: B }, ["file"]);
  assertEquals([mb.channels[0].number, mb.p2a?.number, mb.channels[0].functionId], [0, 1, null]);
});

Deno.test("shmem options: each mistake is refused at its option", () => {
  const cases: [Record<string, unknown>, string, string][] = [
    [{ channels: [A] }, "doorbell", '"smc", "hvc" or "mailbox"'],
    [{ doorbell: "smc", channels: [A] }, "function_id", "the SMC/HVC function id of the channels"],
    [
      { doorbell: "mailbox", function_id: 1, channels: [A] },
      "function_id",
      "no function id for a mailbox doorbell",
    ],
    [
      { doorbell: "smc", function_id: 1, channels: [A], p2a: B },
      "p2a",
      "no P2A channel: SMC/HVC has none (use a mailbox)",
    ],
    [
      { doorbell: "smc", function_id: 1, channels: [A, B] },
      "channels[1].function_id",
      "a function id other than channels[0]'s (or smc_param = true)",
    ],
    [
      { doorbell: "smc", function_id: 1, smc_param: true, channels: [A] },
      "shm_base",
      "the guest-physical address smc_param passes",
    ],
    [
      { doorbell: "mailbox", channels: [A, { ...B, number: 0 }] },
      "channels[1].number",
      "a number other than channels[0]'s",
    ],
    [
      { doorbell: "mailbox", channels: [A], p2a: { offset: 0x40, size: 0x80 } },
      "p2a.offset",
      "an area that does not overlap channels[0]",
    ],
    [
      { doorbell: "mailbox", channels: [{ offset: 0, size: 31 }] },
      "channels[0].size",
      "an integer from 32 to 65536",
    ],
    [
      { doorbell: "mailbox", channels: [{ offset: 2, size: 64 }] },
      "channels[0].offset",
      "a multiple of 4",
    ],
    [
      { doorbell: "mailbox", shm_size: 0x100, channels: [{ offset: 0x80, size: 0x100 }] },
      "channels[0].size",
      "an area inside shm_size (256 bytes)",
    ],
    [{ doorbell: "mailbox", channels: [] }, "channels", "a list of 1 to 32 channel tables"],
    [
      { doorbell: "mailbox", channels: [{ ...A, irq: 3 }] },
      "channels[0].irq",
      "one of the keys offset, size, number, function_id",
    ],
    [
      { doorbell: "smc", function_id: 1, binding: "xen", channels: [A] },
      "binding",
      'one of "file"',
    ],
  ];
  for (const [options, option, expected] of cases) {
    assertEquals(refusal(options), [option, expected], JSON.stringify(options));
  }
});
