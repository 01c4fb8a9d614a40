/**
 * The central checks the dispatcher makes before a handler changes a vote — the protocol is
 * granted, the resource is on the board and granted, the agent holds WRITE on it, the value
 * lies within its bounds ({@linkcode checkValue}) — applied to a vote restored from the
 * journal, against the agent's grants as the deployment gives them now. The vote book drops
 * what fails.
 * @module
 */
import type { Board, ResourceDesc, ResourceKind } from "../board.ts";
import type { Grants } from "../grants.ts";
import { type AnyProtocol, Right } from "../protocol.ts";
import { Status } from "../status.ts";
import { boundsText, checkValue } from "./bounds.ts";

/** `board`'s description of `phys` of `kind`, if it has one. */
export function boardResource(
  board: Board,
  kind: ResourceKind,
  phys: number,
): ResourceDesc | undefined {
  return board.resources[kind]?.find((d) => d.id === phys);
}

/**
 * Why a vote of `value` (null: an on/off vote) on `phys` of `kind` by an agent with grants
 * `g` on `board`, served `protocols`, would be refused as a live request, or undefined when
 * it would pass.
 */
export function restoredVoteProblem(
  board: Board,
  protocols: readonly AnyProtocol[],
  g: Grants,
  kind: ResourceKind,
  phys: number,
  value: number | null,
): string | undefined {
  if (boardResource(board, kind, phys) === undefined) return `the board has no ${kind} ${phys}`;
  const p = protocols.find((p) => p.kinds?.some((k) => k.name === kind));
  if (p !== undefined && !g.protocols.has(p.id)) {
    return `the agent is not granted the ${p.name} protocol any more`;
  }
  const map = g.maps[kind];
  const v = map === undefined ? -1 : map.toVirtual(phys);
  if (v < 0) return `the agent is not granted that ${kind} any more`;
  // Every command that changes a vote needs WRITE (`CommandDef.needs`).
  if ((map.rights[v] & Right.WRITE) === 0) return `the agent may only read that ${kind}`;
  const b = map.bounds[v];
  if (value === null || b === undefined) return undefined;
  const st = checkValue(b, value);
  if (st === Status.SUCCESS) return undefined;
  return `${value} is ${st === Status.OUT_OF_RANGE ? "outside" : "not among"} the agent's bounds (${
    boundsText(b)
  })`;
}
