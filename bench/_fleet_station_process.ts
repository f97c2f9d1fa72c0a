// The fleet side of bench/fleet.ts, in a process of its own so that the runtime's CPU and RSS
// are measured alone: N simulated stations (FleetSimulator) on connections of 250 stations,
// each subscribed to its own stations' request topics only.
// Run by bench/fleet.ts: deno run -P=bench bench/_fleet_station_process.ts <brokerUrl> <N>
//   <profile> <maxSeconds> [first]   (stations first .. first+N-1; large fleets use several
//   processes, each a range)
// Prints one line per event on stdout, each `<WORD> <json>`:
//   READY {stations, startMs}       once every station listens
//   STATS {cpuUs, rss, counters}    every second (cumulative CPU of this process, µs)
//   DONE  {cpuUs, rss, counters}    after SIGTERM (or maxSeconds), then it exits
import process from "node:process";
// The built-in plugins define themselves: the fleet's profile is simulated by name.
import "../src/plugins/builtin.ts";
import type { FleetSimulator } from "../src/testing/fleet_simulator.ts";

/** The serial of station `i` of a bench fleet: `<profile><13 digits>`. */
export function fleetSerial(profile: string, i: number): string {
  return `${profile}${2345000000000 + i}`;
}

function emit(word: string, value: unknown): void {
  console.log(`${word} ${JSON.stringify(value)}`);
}

function stats(fleet: FleetSimulator) {
  const cpu = process.cpuUsage();
  return {
    cpuUs: cpu.user + cpu.system,
    rss: Deno.memoryUsage().rss,
    connected: fleet.connected,
    counters: fleet.counters,
  };
}

async function main(args: string[]): Promise<void> {
  const [brokerUrl, count, profile = "EL100V2", maxSeconds = "600", from = "0"] = args;
  const n = Number(count);
  const first = Number(from);
  const lifetimeMs = Number(maxSeconds) * 1000;
  if (!brokerUrl || !Number.isInteger(n) || n < 1 || !(lifetimeMs > 0) || !(first >= 0)) {
    throw new TypeError(
      "usage: _fleet_station_process.ts <brokerUrl> <N> [profile] [maxSeconds] [first]",
    );
  }
  const started = performance.now();
  // Imported here, not at the top: bench/fleet.ts imports `fleetSerial` from this file, and the
  // runtime's process must not load the simulator (its RSS is what the bench measures).
  const { FleetSimulator } = await import("../src/testing/fleet_simulator.ts");
  const fleet = await FleetSimulator.start({
    brokerUrl,
    stations: Array.from(
      { length: n },
      (_, i) => ({ profile, sn: fleetSerial(profile, first + i) }),
    ),
    seed: 1,
    // Only this range's request topics: with SUB/+ every process would receive every request.
    ownTopicsOnly: true,
    // mosquitto delivers a connection's requests 20 unacknowledged at a time (1,000 queued,
    // then dropped): one connection for 2,500 busy stations is a queue of its own.
    stationsPerConnection: 250,
  });
  emit("READY", { stations: n, startMs: Math.round(performance.now() - started) });

  // Until SIGTERM, or the lifetime runs out (the parent died without stopping us).
  const done = Promise.withResolvers<void>();
  const onSignal = () => done.resolve();
  Deno.addSignalListener("SIGTERM", onSignal);
  const lifetime = setTimeout(onSignal, lifetimeMs);
  const ticker = setInterval(() => emit("STATS", stats(fleet)), 1000);
  await done.promise;
  clearInterval(ticker);
  clearTimeout(lifetime);
  Deno.removeSignalListener("SIGTERM", onSignal);
  const last = stats(fleet);
  await fleet.stop();
  emit("DONE", last);
}

if (import.meta.main) {
  try {
    await main(Deno.args);
  } catch (error) {
    console.error(`fleet station process: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }
}
