// The write gates' context for a register map: its one-register integer fields as control
// registers, its writable fields as the allow-list.
import type { ControlRegisterDef } from "../device/control_register.ts";
import type { DeviceProfile } from "../device/profile.ts";
import type { WriteContext } from "../device/write_gates.ts";
import type { RegisterMap } from "../parser/register_map.ts";

const CACHE = new WeakMap<RegisterMap, Omit<WriteContext, "writesEnabled">>();

/** The context `checkWrite` needs for a device described by `map`. */
export function registerMapWriteContext(map: RegisterMap, writesEnabled: boolean): WriteContext {
  let base = CACHE.get(map);
  if (base === undefined) {
    const controls: ControlRegisterDef[] = [];
    const verified = new Map<number, boolean>();
    for (const field of map.fields) {
      if (field.registers !== 1 || field.datatype.integer === null) continue;
      const w = field.def.writable;
      verified.set(field.address, w?.verified !== false);
      const common = {
        register: field.address,
        name: field.name,
        dangerous: w?.dangerous === true,
        description: field.def.description ?? field.name,
        function: 0x06 as const,
      };
      controls.push(
        w?.switch === true ? { ...common, kind: "switch", values: { on: 1, off: 0 } } : {
          ...common,
          kind: "number",
          min: w?.min ?? 0,
          max: w?.max ?? 0xffff,
          ...(field.def.unit === undefined ? {} : { unit: field.def.unit }),
        },
      );
    }
    const profile: DeviceProfile = {
      id: map.id,
      name: map.def.name ?? map.id,
      aliases: map.def.aliases ?? [],
      vendor: map.def.vendor ?? "generic",
      protocol: "modbus_tcp",
      protocolVersion: null,
      defaultFraming: "rtu",
      groups: [],
      registerCounts: {},
      fieldOverrides: [],
      writableRegisters: map.fields.filter((f) => f.def.writable !== undefined).map((f) =>
        f.address
      ),
    };
    base = {
      profile,
      controlRegisters: controls,
      verificationOf: (register) =>
        verified.get(register) === false ? "unverified" : "verified_reference",
    };
    CACHE.set(map, base);
  }
  return { ...base, writesEnabled };
}
