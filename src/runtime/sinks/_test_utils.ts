// Snapshots for the sinks' tests.
import type { Snapshot, SnapshotBlock, SnapshotError } from "../types.ts";

export interface TestSnapshotOptions {
  deviceId?: string;
  group?: string | null;
  at?: string;
  values?: Record<string, unknown>;
  units?: Record<string, string>;
  blocks?: SnapshotBlock[];
  errors?: SnapshotError[];
  ok?: boolean;
  latencyMs?: number | null;
  seq?: number;
}

export function makeSnapshot(options: TestSnapshotOptions = {}): Snapshot {
  const blocks = options.blocks ?? [{
    blockId: 100,
    name: "APP_HOME_DATA",
    values: options.values ?? { soc: 87, pack_voltage: 53.12, seq: options.seq ?? 0 },
    units: options.units ?? { soc: "%", pack_voltage: "V" },
    warnings: [],
  }];
  const errors = options.errors ?? [];
  return {
    deviceId: options.deviceId ?? "living_room_battery",
    profile: "EL100V2",
    mode: options.group === null ? "push" : "pull",
    group: options.group === undefined ? "core" : options.group,
    at: options.at ?? "2026-11-27T05:00:00.000Z",
    ok: options.ok ?? (errors.length === 0 && blocks.length > 0),
    blocks,
    errors,
    metrics: {
      ok: 1,
      errors: 0,
      consecutiveErrors: 0,
      lastSuccess: null,
      reconnects: 0,
      droppedSnapshots: 0,
      lastLatencyMs: options.latencyMs === undefined ? 12 : options.latencyMs,
      lastLatenessMs: 0,
    },
  };
}

/** A sink double: records writes, can fail or be slowed down. */
export class RecordingSink {
  readonly name: string;
  readonly written: Snapshot[] = [];
  calls: string[] = [];
  fail: Error | null;
  gate: Promise<void> | null = null;

  constructor(name: string, fail: Error | null = null) {
    this.name = name;
    this.fail = fail;
  }

  async write(snapshot: Snapshot): Promise<void> {
    this.calls.push("write");
    if (this.gate) await this.gate;
    if (this.fail) throw this.fail;
    this.written.push(snapshot);
  }

  flush(): Promise<void> {
    this.calls.push("flush");
    return this.fail ? Promise.reject(this.fail) : Promise.resolve();
  }

  close(): Promise<void> {
    this.calls.push("close");
    return this.fail ? Promise.reject(this.fail) : Promise.resolve();
  }
}
