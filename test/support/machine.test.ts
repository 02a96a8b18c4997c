import { expect, test } from "bun:test";
import { machineFactor, scaled } from "./machine.ts";

test("the machine factor is measured (≥ 1, bounded) and scales timeouts", () => {
  const factor = machineFactor();
  expect(factor).toBeGreaterThanOrEqual(1);
  expect(factor).toBeLessThanOrEqual(8);
  expect(scaled(1000)).toBe(Math.round(1000 * factor));
});

test("MAOS_TEST_SLOWDOWN fixes the factor so a failure can be replayed with the same timeouts", () => {
  const child = Bun.spawnSync(["bun", "-e", `import { scaled } from ${JSON.stringify(`${import.meta.dir}/machine.ts`)}; console.log(scaled(1000));`], {
    env: { ...process.env, MAOS_TEST_SLOWDOWN: "3" },
    stdout: "pipe",
  });
  expect(child.stdout.toString().trim()).toBe("3000");
});
