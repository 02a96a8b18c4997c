import { test } from "bun:test";
test("probe", async () => { await Bun.sleep(6000); });
