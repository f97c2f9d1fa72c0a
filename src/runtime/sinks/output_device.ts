import type { DeviceIdentity } from "../../device/device_state.ts";
import type { SinkQueueCounters } from "./sink_queue.ts";

/**
 * One control of a device as an output sink may offer it (a Home Assistant switch, select or
 * number): what the runtime's write path accepts, never how it is encoded.
 *
 * @example An on/off control and a number
 * ```ts
 * import type { OutputControl } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * const ac: OutputControl = { name: "ac_output", kind: "switch", description: "AC output on/off" };
 * const limit: OutputControl = {
 *   name: "soc_ceiling", kind: "number", min: 60, max: 100, unit: "%", description: "Charge limit",
 * };
 * assert.equal(ac.kind, "switch");
 * assert.equal(limit.max, 100);
 * ```
 */
export interface OutputControl {
  /** The control's name, as the write path takes it (`ac_output`). */
  readonly name: string;
  /** `switch`: on/off; `number`: an integer in `min..max`; `enum`: one of `options`. */
  readonly kind: "switch" | "number" | "enum";
  /** Smallest value (`number`). */
  readonly min?: number;
  /** Largest value (`number`). */
  readonly max?: number;
  /** Unit of the value (`number`). */
  readonly unit?: string;
  /** The labels an `enum` control accepts, in value order. */
  readonly options?: readonly string[];
  /** What it does. */
  readonly description: string;
}

/**
 * A device as output sinks describe it: identity and controls, from the configuration and the
 * device's profile (never from its bytes).
 *
 * @example
 * ```ts
 * import type { OutputDevice } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * const device: OutputDevice = {
 *   id: "garage", serial: "EL100V2042", model: "Elite 100 V2", modelId: "EL100V2",
 *   manufacturer: "BLUETTI", controls: [], writeEnabled: false,
 * };
 * assert.equal(device.serial, "EL100V2042");
 * ```
 */
export interface OutputDevice {
  /** The device's id from the configuration. */
  readonly id: string;
  /** Its serial number. */
  readonly serial: string;
  /** Its model's name (`Elite 100 V2`). */
  readonly model: string;
  /** Its profile id (`EL100V2`). */
  readonly modelId: string;
  /** Its manufacturer, as the profile names it. */
  readonly manufacturer: string;
  /**
   * The controls its profile allow-lists, dangerous ones (power off, reset) left out: those
   * are never offered to a remote consumer.
   */
  readonly controls: readonly OutputControl[];
  /** Whether the configuration enables writes for it; without, every command is refused. */
  readonly writeEnabled: boolean;
  /** Firmware version, when known. */
  readonly firmware?: string;
}

/**
 * What a write through {@linkcode DeviceController.writeControl} returns: the value read back
 * from the device after writing, as the control's label (`on`, `turbo`) or number.
 *
 * @example
 * ```ts
 * import type { ControlWriteResult } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * const result: ControlWriteResult = { control: "ac_output", readBack: "off", applied: true };
 * assert.equal(result.readBack, "off");
 * ```
 */
export interface ControlWriteResult {
  /** The control written. */
  readonly control: string;
  /** The value read back (a label for switch/enum controls), or null when not read. */
  readonly readBack: string | number | null;
  /** True when the read-back equals what was written; null when not checked. */
  readonly applied: boolean | null;
}

/**
 * The runtime's write path as output sinks see it: every write goes through the device's write
 * gates (writes enabled in the configuration, the profile's allow-list, ranges, verified
 * blocks, dangerous registers refused).
 *
 * @example A controller double
 * ```ts
 * import type { DeviceController } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * const controller: DeviceController = {
 *   writeControl: (_device, control, value) =>
 *     Promise.resolve({ control, readBack: value, applied: true }),
 * };
 * assert.equal((await controller.writeControl("garage", "ac_output", "off")).readBack, "off");
 * ```
 */
export interface DeviceController {
  /**
   * Write a control of a device and read it back.
   *
   * @param deviceId The device's id.
   * @param control The control's name.
   * @param value `on`/`off`, a label, or a number.
   * @returns The read-back.
   * @throws {WriteError} when a gate refuses; {TransportError} or {ProtocolError} when the
   * exchange fails.
   */
  writeControl(
    deviceId: string,
    control: string,
    value: string | number,
  ): Promise<ControlWriteResult>;
  /**
   * Read the current value of controls (between polls), so that their state is known before
   * any command. Optional: without it, a control's state is known from its first command on.
   *
   * @param deviceId The device's id.
   * @param controls The controls' names.
   * @returns Control -> value (a label for switch/enum controls); a control whose value
   * matches none of its labels is left out.
   * @throws {TransportError} or {ProtocolError} when a read fails.
   */
  readControls?(
    deviceId: string,
    controls: readonly string[],
  ): Promise<Readonly<Record<string, string | number>>>;
}

/**
 * What the runtime hands an output sink besides snapshots: the devices that write to it, the
 * write path for controls, and the health of the sink queues.
 *
 * @example
 * ```ts
 * import type { SinkContext } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * const context: SinkContext = { devices: [], queues: () => ({}) };
 * assert.deepEqual(context.queues(), {});
 * ```
 */
export interface SinkContext {
  /** The devices whose snapshots reach the sink. */
  readonly devices: readonly OutputDevice[];
  /** The write path for controls; absent where the sink is used without a runtime. */
  readonly controller?: DeviceController;
  /**
   * Who a device is, as its plugin's identity extraction found it in the blocks read so far
   * (firmware versions by module); null before its first read. Absent without a runtime.
   */
  readonly identity?: (deviceId: string) => DeviceIdentity | null;
  /** The counters of every sink queue of the runtime, as of now. */
  readonly queues: () => Readonly<Record<string, SinkQueueCounters>>;
}
