/**
 * One in-flight message: the request reader, the reply writer and what the dispatcher
 * decoded and resolved for the handler. A transport owns one `Msg` per message it can have
 * in flight and reuses it, so the per-message path allocates nothing.
 * @module
 */
import { Reader } from "./reader.ts";
import { Writer } from "./writer.ts";

/**
 * One message in flight: the reader over the request, the writer of the reply, and what the
 * dispatcher resolved. A transport keeps one per message it can have in flight and reuses it.
 */
export class Msg {
  /** The request's parameters (after the header), once the dispatcher has read the header. */
  readonly r: Reader = new Reader();
  /** The reply: header, status, payload. */
  readonly w: Writer = new Writer();
  /** The request header word (echoed in the reply). */
  header = 0;
  /** Physical id of the resource the command names, resolved by the dispatcher, or -1. */
  res: number = -1;
  /** The same resource's id as the agent knows it (virtual id), or -1. */
  vid: number = -1;
  /** Set by the transport: time the message arrived (only read when tracing). */
  t0 = 0;
}
