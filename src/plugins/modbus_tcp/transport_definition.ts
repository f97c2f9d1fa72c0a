import { s } from "../../schema/schema.ts";
import { MBAP_FRAMING } from "../../protocol/mbap_framing.ts";
import { defineTransport, type TransportDefinition } from "../../transport/transport_definition.ts";
// The built-in transports in one order whatever is imported first: mqtt, then modbus_tcp.
import "../../transport/mqtt_definition.ts";

/** Options of the `modbus_tcp` transport, as runtime.yaml spells them. */
export interface ModbusTcpOptions {
  /** The station's host name or address. */
  readonly host?: string;
  /** TCP port. @default {502} */
  readonly port?: number;
  /** Unit id. @default {1} */
  readonly unit_id?: number;
  /** Required for a unit id other than 1. @default {false} */
  readonly allow_other_unit_id?: boolean;
  /** Reply timeout per request, ms. @default {5000} */
  readonly timeout_ms?: number;
  /** Least time between requests to the station, ms. @default {500} */
  readonly pacing_ms?: number;
}

const HOST_TEXT = "a host name or an IP address";
const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[?[0-9A-Fa-f:.]+\]?)$/;

function integer(min: number, max: number, text: string, description: string) {
  return s.int(text).min(min, text).max(max, text).describe(description)
    .optional();
}

const OPTIONS = s.strictObject({
  host: s.string(HOST_TEXT).regex(HOST, HOST_TEXT)
    .describe("The station's host name or IP address on the local network.").optional(),
  port: integer(1, 65535, "an integer 1..65535", "The station's Modbus TCP port. Default: 502."),
  unit_id: integer(
    0,
    255,
    "a unit id 0..255",
    "Unit id (1). Another one needs allow_other_unit_id: it froze an AC500's server until a power cycle.",
  ),
  allow_other_unit_id: s.boolean("true or false")
    .describe("Allow a unit id other than 1 (a warning is logged).").optional(),
  timeout_ms: integer(1, 3_600_000, "milliseconds 1..3600000", "Reply timeout per request."),
  pacing_ms: integer(
    0,
    60_000,
    "milliseconds 0..60000",
    "Least time between two requests to the station (shared by its devices).",
  ),
});

/** Stations (`host:port:unit`) whose other unit id was warned about. */
const WARNED = new Set<string>();

/**
 * The `modbus_tcp` transport of runtime.yaml: one paced, persistent connection per station
 * (`host:port`), shared by every device on it; MBAP frames with transaction ids; unit id 1
 * unless `allow_other_unit_id` (then a warning). Profiles of this transport use the `mbap`
 * framing.
 *
 * @example Its options
 * ```ts
 * import { MODBUS_TCP_TRANSPORT } from "@power-sdk/sdk/plugins";
 * import assert from "node:assert/strict";
 *
 * assert.equal(MODBUS_TCP_TRANSPORT.name, "modbus_tcp");
 * assert.deepEqual(MODBUS_TCP_TRANSPORT.defaults, { port: 502, unit_id: 1, timeout_ms: 5000, pacing_ms: 500 });
 * assert.equal(MODBUS_TCP_TRANSPORT.options.safeParse({ host: "192.168.1.50", port: 70000 }).success, false);
 * ```
 */
export const MODBUS_TCP_TRANSPORT: TransportDefinition<ModbusTcpOptions> = defineTransport<
  ModbusTcpOptions
>({
  name: "modbus_tcp",
  description: "a station's local Modbus TCP server (one paced connection per station)",
  options: OPTIONS,
  defaults: { port: 502, unit_id: 1, timeout_ms: 5_000, pacing_ms: 500 },
  required: ["host"],
  pathOptions: [],
  check(o) {
    const unitId = o.unit_id ?? 1;
    if (unitId === MBAP_FRAMING.deviceAddress || o.allow_other_unit_id === true) return [];
    return [{
      option: "unit_id",
      message:
        `unit id ${unitId} needs allow_other_unit_id: true: requests to other unit ids than ${MBAP_FRAMING.deviceAddress} have frozen some stations' Modbus TCP server until a power cycle`,
    }];
  },
  describe: (o) => ({
    endpoint: `modbus-tcp://${o.host}:${o.port}`,
    details: [`unit ${o.unit_id}`, `pacing ${o.pacing_ms} ms`],
  }),
  async create(o, context) {
    const unitId = o.unit_id ?? 1;
    if (unitId !== MBAP_FRAMING.deviceAddress && o.allow_other_unit_id !== true) {
      throw new RangeError(
        `Cannot use unit id ${unitId} for ${o.host}: requests to other unit ids than ${MBAP_FRAMING.deviceAddress} have frozen some stations' Modbus TCP server until a power cycle; set allow_other_unit_id: true if you are sure`,
      );
    }
    // The TCP link and the MBAP codec load with the first connection: checking a
    // runtime.yaml (`runtime --dry-run`) needs the options alone.
    const [{ TcpStreamTransport }, { MBAP_STREAM_FRAMING }] = await Promise.all([
      import("../../transport/tcp_stream_transport.ts"),
      import("../../protocol/mbap.ts"),
    ]);
    const transport = new TcpStreamTransport({
      host: o.host!,
      port: o.port ?? 502,
      framing: MBAP_STREAM_FRAMING,
      timeoutMs: o.timeout_ms ?? 5_000,
      pacingMs: o.pacing_ms ?? 500,
    });
    if (unitId === MBAP_FRAMING.deviceAddress) return transport;
    // Once per station and unit id in a process, not at every reconnect.
    const key = `${o.host}:${o.port ?? 502}:${unitId}`;
    if (!WARNED.has(key)) {
      WARNED.add(key);
      context.logger({
        level: "warn",
        message:
          `using unit id ${unitId} on ${o.host}: requests to other unit ids have frozen some stations' Modbus TCP server until a power cycle`,
        sn: context.model,
      });
    }
    const { UnitIdTransport } = await import("./_unit_id_transport.ts");
    return new UnitIdTransport(transport, unitId, MBAP_FRAMING.deviceAddress);
  },
});
