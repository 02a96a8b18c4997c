import { expect, test } from "bun:test";
import { hostname } from "node:os";
import { hostName } from "../../src/system/host.ts";

test("hostName() is the name os.hostname() gives, which maos records as an orchestration's owner_host", () => {
  expect(hostName()).toBe(hostname());
  expect(hostName()).toBe(hostName());
});
