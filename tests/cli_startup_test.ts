// The offline commands start fast because they do not load what they do not use: the MQTT
// client, the TLS bundle reader, the embedded broker, the YAML and schema libraries. These tests
// read the CLI's module graph as Deno builds it (`deno info --json cli.ts`) and follow the static
// imports from the entry and from the module each command imports when it runs; they fail as
// soon as a static import brings a heavy module back onto a command's path. The start-up times
// themselves are measured by bench/cli_startup.ts (docs/benchmarks.md), never asserted here.
import assert from "node:assert/strict";

const ROOT = new URL("..", import.meta.url);

interface GraphDependency {
  readonly specifier: string;
  readonly code?: { readonly specifier: string };
  readonly isDynamic?: boolean;
}

interface GraphModule {
  readonly specifier: string;
  readonly kind?: string;
  readonly npmPackage?: string;
  readonly dependencies?: readonly GraphDependency[];
}

interface Graph {
  readonly modules: readonly GraphModule[];
  readonly redirects: Readonly<Record<string, string>>;
}

async function moduleGraph(): Promise<Graph> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "cli.ts"],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(output.success, new TextDecoder().decode(output.stderr));
  return JSON.parse(new TextDecoder().decode(output.stdout));
}

/** What loading `entries` loads before any dynamic import runs: npm packages, node: built-ins. */
function staticLoad(graph: Graph, entries: readonly string[]) {
  const modules = new Map(graph.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const npm = new Set<string>();
  const node = new Set<string>();
  const stack = [...entries];
  while (stack.length > 0) {
    const specifier = stack.pop()!;
    const resolved = graph.redirects[specifier] ?? specifier;
    if (seen.has(resolved)) continue;
    seen.add(resolved);
    const module = modules.get(resolved);
    assert.ok(module !== undefined, `${resolved} is not in the graph`);
    if (module.kind === "npm") {
      npm.add(module.npmPackage!.replace(/@[^@]*$/, ""));
      continue;
    }
    if (module.kind === "node") {
      node.add(resolved);
      continue;
    }
    for (const dependency of module.dependencies ?? []) {
      if (dependency.isDynamic !== true && dependency.code !== undefined) {
        stack.push(dependency.code.specifier);
      }
    }
  }
  return { modules: seen, npm: [...npm].sort(), node: [...node].sort() };
}

function fileUrl(path: string): string {
  return new URL(path, ROOT).href;
}

/** The modules main.ts imports when a command runs: the command's own, and the block schemas. */
function commandEntries(graph: Graph, command: string): string[] {
  const main = graph.modules.find((m) => m.specifier === fileUrl("src/cli/main.ts"));
  assert.ok(main !== undefined);
  const dynamic = (main.dependencies ?? []).filter((d) => d.isDynamic === true)
    .map((d) => d.code!.specifier);
  const own = fileUrl(`src/cli/${command}_command.ts`);
  assert.ok(
    dynamic.includes(own),
    `main.ts imports ${own} with a literal import() (deno compile embeds only those)`,
  );
  return [
    fileUrl("cli.ts"),
    own,
    ...dynamic.filter((specifier) => !specifier.includes("_command.ts")),
  ];
}

const graph = await moduleGraph();

Deno.test("deno.json has Deno load a dynamic import when it runs, not at start-up", async () => {
  // Without it, Deno builds the module graph of every literal import() (every command, the MQTT
  // client, the YAML and schema libraries) before the first line runs: 20-30 ms for each
  // command, --version included (docs/benchmarks.md, CLI start-up).
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
  assert.ok(config.unstable?.includes("lazy-dynamic-imports"), JSON.stringify(config.unstable));
});

Deno.test("cli.ts loads no npm package and no node: built-in before a command runs", () => {
  const load = staticLoad(graph, [fileUrl("cli.ts")]);
  assert.deepEqual(load.npm, []);
  assert.deepEqual(load.node, []);
  // Not one command module, either.
  assert.deepEqual([...load.modules].filter((m) => m.endsWith("_command.ts")), []);
});

Deno.test("main.ts loads the built-in plugins, or the default one alone, without npm packages", () => {
  // Their profiles and framings are defined when the module loads: a command that names a
  // framing (`decode --framing iot-v2`, a capture's replies) needs it, and it must stay light.
  const main = graph.modules.find((m) => m.specifier === fileUrl("src/cli/main.ts"));
  const dynamic = (main?.dependencies ?? []).filter((d) => d.isDynamic === true)
    .map((d) => d.code!.specifier);
  for (const plugins of ["src/plugins/builtin.ts", "src/plugins/default_plugin.ts"]) {
    assert.ok(dynamic.includes(fileUrl(plugins)), dynamic.join(", "));
    const load = staticLoad(graph, [fileUrl(plugins)]);
    assert.deepEqual(load.npm, []);
    assert.deepEqual(load.node, []);
  }
});

Deno.test("the built-in plugins load no Modbus request or reply codec", () => {
  // The `mbap` framing the local plugin defines needs only the MBAP header
  // (src/protocol/_mbap_header.ts); profiles and controls load the plugins and frame nothing.
  const load = staticLoad(graph, [fileUrl("src/plugins/builtin.ts")]);
  assert.ok(load.modules.has(fileUrl("src/protocol/mbap_framing.ts")));
  for (const codec of ["src/protocol/mbap.ts", "src/protocol/pdu.ts", "src/protocol/_frame.ts"]) {
    assert.ok(!load.modules.has(fileUrl(codec)), codec);
  }
});

Deno.test("blocks, decode and controls start without the register-map plugins and Modbus code", () => {
  // main.ts gives them the default plugin alone (its blocks, or for controls the plugin as
  // defined, src/plugins/_defined_default.ts, with its block definitions); the other
  // built-in plugins, their register maps and the Modbus TCP and reply-parsing code load when
  // an option needs them (decode --framing or --replay, controls without a profile of the
  // default plugin).
  const heavy = [
    "src/plugins/builtin.ts",
    "src/plugins/bluetti_local/models.ts",
    "src/plugins/modbus_tcp/register_map_plugin.ts",
    "src/parser/register_map.ts",
    "src/protocol/mbap.ts",
    "src/protocol/pdu.ts",
  ].map(fileUrl);
  for (const command of ["blocks", "decode", "controls"]) {
    const load = staticLoad(
      graph,
      command === "controls"
        ? [
          fileUrl("cli.ts"),
          fileUrl("src/cli/controls_command.ts"),
          fileUrl("src/plugins/_defined_default.ts"),
          fileUrl("src/plugins/bluetti_v2/_blocks_part.ts"),
        ]
        : [
          fileUrl("cli.ts"),
          fileUrl(`src/cli/${command}_command.ts`),
          fileUrl("src/cli/_lazy_registry.ts"),
          fileUrl("src/plugins/default_blocks.ts"),
        ],
    );
    assert.ok(load.modules.has(fileUrl("src/plugins/bluetti_v2/blocks.ts")), command);
    assert.deepEqual(heavy.filter((m) => load.modules.has(m)), [], command);
  }
  // The check sees them where they are: `read` loads every one of them.
  const read = staticLoad(graph, commandEntries(graph, "read"));
  assert.deepEqual(heavy.filter((m) => !read.modules.has(m)), []);
});

Deno.test("blocks and decode start with the default plugin's blocks and labels, not the plugin", () => {
  // main.ts gives them src/plugins/default_blocks.ts: the block definitions and labels alone.
  // Defining the plugin (src/plugins/default_plugin.ts) loads its profiles, controls, framings
  // and simulator mapping, and the block schema compiler with its registry factory.
  const main = graph.modules.find((m) => m.specifier === fileUrl("src/cli/main.ts"));
  const dynamic = (main?.dependencies ?? []).filter((d) => d.isDynamic === true)
    .map((d) => d.code!.specifier);
  assert.ok(dynamic.includes(fileUrl("src/plugins/default_blocks.ts")), dynamic.join(", "));
  const blocks = staticLoad(graph, [fileUrl("src/plugins/default_blocks.ts")]);
  const json = [...blocks.modules].filter((m) => m.endsWith(".json"));
  assert.equal(json.length, 1, "the block definitions (a JSON module)");
  const plugin = [
    "src/plugins/default_plugin.ts",
    "src/plugin/plugin.ts",
    "src/device/profile.ts",
    "src/protocol/framing.ts",
    "src/parser/block_schema.ts",
  ].map(fileUrl);
  assert.deepEqual(plugin.filter((m) => blocks.modules.has(m)), []);
  for (const command of ["blocks", "decode"]) {
    const load = staticLoad(graph, [
      fileUrl("cli.ts"),
      fileUrl(`src/cli/${command}_command.ts`),
      fileUrl("src/cli/_lazy_registry.ts"),
      fileUrl("src/plugins/default_blocks.ts"),
    ]);
    assert.ok(!load.modules.has(fileUrl("src/plugins/default_plugin.ts")), command);
    // Nor what defining a plugin needs: the labels come from known_plugins.ts, and decode
    // loads the framings with the plugins when its input is a reply (--framing, --replay).
    assert.deepEqual(plugin.slice(1, 4).filter((m) => load.modules.has(m)), [], command);
    assert.ok(load.modules.has(fileUrl("src/plugin/known_plugins.ts")), command);
  }
  // The check sees the definition where it is: the default plugin's public module.
  const controls = staticLoad(graph, [fileUrl("src/plugins/default_plugin.ts")]);
  assert.deepEqual(plugin.filter((m) => !controls.modules.has(m)), []);
});

for (const command of ["blocks", "controls", "decode", "profiles"]) {
  Deno.test(`${command} loads no npm package and no node: built-in`, () => {
    const load = staticLoad(graph, commandEntries(graph, command));
    assert.deepEqual(load.npm, []);
    assert.deepEqual(load.node, []);
  });
}

Deno.test("schema loads no npm package: it prints the generated schema", () => {
  const load = staticLoad(graph, commandEntries(graph, "schema"));
  assert.deepEqual(load.npm, []);
  assert.deepEqual(load.node, []);
  assert.ok(load.modules.has(fileUrl("src/cli/_runtime_schema.json")));
});

Deno.test("runtime --dry-run loads no npm package before it reads the file: no MQTT client, TLS or schema library", () => {
  // --dry-run runs on these; a run imports the runtime and the bundle reader when it starts.
  // runtime.yaml is checked with the in-house schema builder (src/schema/schema.ts).
  const load = staticLoad(graph, commandEntries(graph, "runtime"));
  assert.deepEqual(load.npm, []);
  assert.ok(load.modules.has(fileUrl("src/schema/schema.ts")));
  // Not one node: built-in (node:path and node:url bring the Node error classes, inspect and
  // assert with them); node:tls and node:crypto load with a bundle, when a run opens one.
  assert.deepEqual(load.node, []);
  // Nor the runtime, a transport or a sink implementation: the Modbus TCP transport loads
  // its TCP link and MBAP codec with its first connection.
  const implementations = [
    "src/runtime/runtime.ts",
    "src/runtime/executor.ts",
    "src/runtime/sinks/mod.ts",
    "src/runtime/sinks/stdout_sink.ts",
    "src/transport/mqtt_transport.ts",
    "src/transport/mqtt_connection_pool.ts",
    "src/transport/credentials.ts",
    "src/transport/tcp_stream_transport.ts",
    "src/protocol/mbap.ts",
    "src/protocol/pdu.ts",
  ].map(fileUrl);
  assert.deepEqual(implementations.filter((m) => load.modules.has(m)), []);
  // The check sees them where they are: the runtime module reaches the sinks.
  const runtime = staticLoad(graph, [fileUrl("src/runtime/runtime.ts")]);
  assert.ok(runtime.modules.has(fileUrl("src/runtime/sinks/stdout_sink.ts")));
});

Deno.test("runtime, profiles and controls start with the built-in plugins defined, without their block schemas, register maps or simulation", () => {
  // main.ts gives them src/plugins/_defined_builtin.ts: the plugins' profiles, controls,
  // framings and transport defaults. Their parts load when a command needs them
  // (loadBuiltinParts: a run, a configuration naming a local station or a profile_file;
  // loadBuiltinProfileLists: the local register maps' definitions for `profiles`).
  const main = graph.modules.find((m) => m.specifier === fileUrl("src/cli/main.ts"));
  const dynamic = (main?.dependencies ?? []).filter((d) => d.isDynamic === true)
    .map((d) => d.code!.specifier);
  assert.ok(dynamic.includes(fileUrl("src/plugins/_defined_builtin.ts")), dynamic.join(", "));
  const parts = [
    "src/plugins/bluetti_v2/blocks.ts",
    "src/plugins/bluetti_v2/sim_mapping.ts",
    "src/parser/registry.ts",
    "src/parser/block_schema.ts",
    "src/parser/transform.ts",
    "src/parser/_codegen.ts",
  ].map(fileUrl);
  const maps = [
    "src/plugins/bluetti_local/models.ts",
    "src/parser/register_map.ts",
    "src/parser/register_map_source.ts",
    "src/parser/datatype.ts",
  ].map(fileUrl);
  const runtime = staticLoad(graph, [
    fileUrl("cli.ts"),
    fileUrl("src/cli/runtime_command.ts"),
    fileUrl("src/plugins/_defined_builtin.ts"),
  ]);
  assert.deepEqual([...parts, ...maps].filter((m) => runtime.modules.has(m)), []);
  assert.deepEqual([...runtime.modules].filter((m) => m.endsWith("_parts.ts")), []);
  assert.deepEqual([...runtime.modules].filter((m) => m.endsWith("blocks.json")), []);
  // `profiles` loads the local maps' definitions, and still no block schema.
  const profiles = staticLoad(graph, [
    fileUrl("cli.ts"),
    fileUrl("src/cli/profiles_command.ts"),
    fileUrl("src/plugins/_defined_builtin.ts"),
    fileUrl("src/plugins/bluetti_local/_parts.ts"),
  ]);
  assert.ok(profiles.modules.has(fileUrl("src/plugins/bluetti_local/models.ts")));
  assert.deepEqual(parts.filter((m) => profiles.modules.has(m)), []);
  // `controls` starts with the default plugin as defined and its block definitions: their
  // spans come from the definitions, no schema is compiled.
  const controls = staticLoad(graph, [
    fileUrl("cli.ts"),
    fileUrl("src/cli/controls_command.ts"),
    fileUrl("src/plugins/_defined_default.ts"),
    fileUrl("src/plugins/bluetti_v2/_blocks_part.ts"),
  ]);
  assert.ok(controls.modules.has(fileUrl("src/plugins/bluetti_v2/blocks.ts")));
  assert.deepEqual(parts.slice(1).filter((m) => controls.modules.has(m)), []);
  assert.deepEqual(maps.filter((m) => controls.modules.has(m)), []);
  // The check sees them where they are: the public entry loads every part.
  const builtin = staticLoad(graph, [fileUrl("src/plugins/builtin.ts")]);
  assert.deepEqual([...parts, ...maps].filter((m) => !builtin.modules.has(m)), []);
});

Deno.test("read, write, simulate and demo still reach the MQTT client (the graph check sees it)", () => {
  // The check above would be worthless if it could not see a heavy module at all.
  for (const command of ["read", "write", "simulate", "demo"]) {
    const load = staticLoad(graph, commandEntries(graph, command));
    assert.ok(load.npm.includes("mqtt"), `${command}: ${load.npm.join(", ")}`);
  }
});

Deno.test("runtime --dry-run loads the prompt, --once's progress, --shard, --json's redaction and the YAML adapter only when they are used", () => {
  // Every module on the way costs start-up (about half a millisecond each, docs/benchmarks.md):
  // what only a prompt, a poll, `--shard` or `--json` needs is imported when it is.
  const load = staticLoad(graph, [
    fileUrl("cli.ts"),
    fileUrl("src/cli/runtime_command.ts"),
    fileUrl("src/plugins/_defined_builtin.ts"),
  ]);
  const later = [
    "src/cli/_prompt.ts",
    "src/cli/_progress.ts",
    "src/cli/_resolution_json.ts",
    "src/runtime/shard.ts",
    "src/runtime/sinks/redact_deep.ts",
    "src/parser/redact.ts",
    // The YAML library's adapter loads with the library, for a text the subset reader declines.
    "src/runtime/config/_yaml_library.ts",
    // Re-exports cost a module each: the CLI imports from the modules themselves.
    "src/cli/mod.ts",
    "src/errors/mod.ts",
  ].map(fileUrl);
  assert.deepEqual(later.filter((m) => load.modules.has(m)), []);
  // The check sees them where they are: the command imports them when it runs.
  const command = graph.modules.find((m) => m.specifier === fileUrl("src/cli/runtime_command.ts"));
  const dynamic = (command?.dependencies ?? []).filter((d) => d.isDynamic === true)
    .map((d) => d.code!.specifier);
  for (const module of later.slice(1, 4)) assert.ok(dynamic.includes(module), module);
});

Deno.test("runtime reads runtime.yaml without the YAML library and the register-map reader until it needs them", () => {
  // The subset reader (src/runtime/config/_yaml_subset.ts) reads the usual runtime.yaml; the
  // library (its ES build bundled into src/_shared/_yaml_bundle.js, ~15 ms to load and warm
  // up) loads when it declines a text, the register-map reader when a profile_file is named.
  const library = fileUrl("src/_shared/_yaml_bundle.js");
  const mapReader = fileUrl("src/parser/register_map_read.ts");
  const readConfig = fileUrl("src/runtime/config/_read_config.ts");
  for (
    const entries of [
      commandEntries(graph, "runtime"),
      [readConfig],
      [fileUrl("src/runtime/config/resolve.ts")],
    ]
  ) {
    const load = staticLoad(graph, entries);
    assert.ok(!load.modules.has(library), entries.join(", "));
    assert.ok(!load.modules.has(mapReader), entries.join(", "));
  }
  const runtime = staticLoad(graph, commandEntries(graph, "runtime"));
  assert.ok(runtime.modules.has(readConfig));
  assert.ok(runtime.modules.has(fileUrl("src/runtime/config/_yaml_subset.ts")));
  // Both load with a literal import() (deno compile embeds only those), from the modules
  // that need them.
  const dynamicOf = (specifier: string) =>
    (graph.modules.find((m) => m.specifier === fileUrl(specifier))?.dependencies ?? [])
      .filter((d) => d.isDynamic === true).map((d) => d.code?.specifier);
  assert.ok(
    dynamicOf("src/runtime/config/_yaml_lazy.ts").includes(fileUrl("src/_shared/yaml.ts")),
  );
  assert.ok(dynamicOf("src/runtime/config/_profile_files.ts").includes(mapReader));
  // The check sees them where they are: the public synchronous loadRuntimeConfig loads both.
  const load = staticLoad(graph, [fileUrl("src/runtime/config/load_config.ts")]);
  assert.ok(load.modules.has(library));
  assert.ok(load.modules.has(mapReader));
});
