/**
 * A test context for the suites' own tests: its steps record their outcome instead of
 * failing the test, so a test can assert which checks a broken plugin fails.
 * @module
 */

/** How a step ended. */
export type Outcome = "ok" | "failed" | "ignored";

/** A test context whose steps record their outcome instead of failing the test. */
export function recorder(): { t: Deno.TestContext; outcomes: Record<string, Outcome> } {
  const outcomes: Record<string, Outcome> = {};
  const t = {
    async step(def: Deno.TestStepDefinition): Promise<boolean> {
      if (def.ignore) {
        outcomes[def.name] = "ignored";
        return false;
      }
      try {
        await def.fn(t as unknown as Deno.TestContext);
        outcomes[def.name] = "ok";
        return true;
      } catch {
        outcomes[def.name] = "failed";
        return false;
      }
    },
  };
  // The suite also calls step(name, fn).
  const named = t.step;
  t.step =
    ((a: Deno.TestStepDefinition | string, fn?: Deno.TestStepDefinition["fn"]) =>
      typeof a === "string" ? named({ name: a, fn: fn! }) : named(a)) as typeof t.step;
  return { t: t as unknown as Deno.TestContext, outcomes };
}
