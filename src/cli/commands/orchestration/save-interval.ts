import { defineCommand } from "../../command.ts";
import { existsSync } from "node:fs";
import { getSaveIntervalS, hasStoredSaveInterval, saveInterval, setSaveIntervalS } from "../../../orchestrator/settings.ts";
import { resolveDbPath } from "../../../store/db.ts";
import { dbArgs, jsonArgs } from "../../args.ts";
import { emit } from "../../output.ts";
import { parseIntInRange, refuseExtraPositionals } from "../../parse.ts";
import { openStore } from "../../store.ts";

interface SaveIntervalView {
  save_interval_s: number;
  source: "default" | "stored";
  changed: boolean;
}

export default defineCommand({
  meta: { name: "save-interval", description: "Show or set the default auto-save interval of new orchestrations" },
  args: {
    seconds: {
      type: "positional",
      description: `New interval in seconds (${saveInterval.minS}–${saveInterval.maxS}); omit to show the current one`,
      required: false,
    },
    ...dbArgs,
    ...jsonArgs,
  },
  run({ args, rawArgs }) {
    refuseExtraPositionals(args, 1, "maos orchestration save-interval");
    // citty reads "-5" as a short flag; it is a (negative) value here and must be refused, not ignored.
    const given = args.seconds ?? rawArgs.find((a) => /^-\d/.test(a));
    let view: SaveIntervalView;
    if (given === undefined) {
      // Showing must not create a database as a side effect.
      if (!existsSync(resolveDbPath(args.db))) view = { save_interval_s: saveInterval.defaultS, source: "default", changed: false };
      else {
        const { db } = openStore(args, { create: false });
        view = { save_interval_s: getSaveIntervalS(db), source: hasStoredSaveInterval(db) ? "stored" : "default", changed: false };
      }
    } else {
      const seconds = parseIntInRange(given, "the save interval (seconds)", saveInterval.minS, saveInterval.maxS);
      const { db } = openStore(args);
      setSaveIntervalS(db, seconds);
      view = { save_interval_s: seconds, source: "stored", changed: true };
    }
    emit(args, view, (v) =>
      v.changed
        ? `Auto-save interval set to ${v.save_interval_s} s for new orchestrations.`
        : `Auto-save interval: ${v.save_interval_s} s${v.source === "default" ? " (default)" : ""}.`,
    );
  },
});
