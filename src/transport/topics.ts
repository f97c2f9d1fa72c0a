/**
 * Topic templates (`SUB/{sn}`, `PUB/{model}/{sn}`) and the checks on what goes into them.
 *
 * @module
 */
import { TransportError } from "../errors/errors.ts";

/** The request and response topics of a station. */
export interface TopicTemplates {
  /** Where requests are published. @default {"SUB/{sn}"} */
  readonly request?: string;
  /** Where replies and pushes arrive. @default {"PUB/{sn}"} */
  readonly response?: string;
}

/** The default topics of this design: publish to `SUB/{sn}`, subscribe to `PUB/{sn}`. */
export const DEFAULT_TOPICS: Required<TopicTemplates> = Object.freeze({
  request: "SUB/{sn}",
  response: "PUB/{sn}",
});

// deno-lint-ignore no-control-regex -- NUL is exactly what must be refused
const FORBIDDEN = /[+#/\u0000]/;

/**
 * Check a serial number (or model) that goes into a topic.
 *
 * @param value The serial number.
 * @param what What it is, for the message.
 * @returns The value.
 * @throws {TransportError} `TRANSPORT_INVALID_ARGUMENT` when empty or holding `+`, `#`, `/` or
 * NUL.
 *
 * @example
 * ```ts
 * import { checkTopicValue } from "@power-sdk/sdk/transport";
 * import assert from "node:assert/strict";
 *
 * assert.equal(checkTopicValue("EL100V2123", "serial"), "EL100V2123");
 * assert.throws(() => checkTopicValue("EL#1", "serial"), /'#'/);
 * ```
 */
export function checkTopicValue(value: string, what: string): string {
  if (typeof value !== "string" || value.length === 0) {
    throw new TransportError(
      "TRANSPORT_INVALID_ARGUMENT",
      `Invalid ${what}: it must be a non-empty string`,
    );
  }
  const bad = FORBIDDEN.exec(value);
  if (bad) {
    const shown = bad[0] === "\u0000" ? "NUL" : `'${bad[0]}'`;
    throw new TransportError(
      "TRANSPORT_INVALID_ARGUMENT",
      `Invalid ${what} '${
        value.replaceAll("\u0000", "\\0")
      }': it goes into an MQTT topic and must not contain ${shown} (nor +, #, / or NUL)`,
    );
  }
  return value;
}

/**
 * Fill a topic template.
 *
 * @param template The template (`SUB/{sn}`, `PUB/{model}/{sn}`).
 * @param values `sn` and, when the template uses it, `model`.
 * @returns The topic.
 * @throws {TransportError} `TRANSPORT_INVALID_ARGUMENT` for an unknown placeholder, a missing
 * model, wildcards in the template, or a bad serial.
 *
 * @example
 * ```ts
 * import { fillTopic } from "@power-sdk/sdk/transport";
 * import assert from "node:assert/strict";
 *
 * assert.equal(fillTopic("PUB/{model}/{sn}", { sn: "123", model: "EL100V2" }), "PUB/EL100V2/123");
 * ```
 */
export function fillTopic(
  template: string,
  values: { sn: string; model?: string | undefined },
): string {
  if (/[+#]/.test(template)) {
    throw new TransportError(
      "TRANSPORT_INVALID_ARGUMENT",
      `Invalid topic template '${template}': wildcards are not allowed`,
    );
  }
  return template.replace(/\{([^}]*)\}/g, (_, name: string) => {
    if (name === "sn") return checkTopicValue(values.sn, "serial number");
    if (name === "model") {
      if (values.model === undefined) {
        throw new TransportError(
          "TRANSPORT_INVALID_ARGUMENT",
          `Invalid topic template '${template}': it uses {model}, but no model was given`,
        );
      }
      return checkTopicValue(values.model, "model");
    }
    throw new TransportError(
      "TRANSPORT_INVALID_ARGUMENT",
      `Invalid topic template '${template}': unknown placeholder {${name}} (known: {sn}, {model})`,
    );
  });
}
