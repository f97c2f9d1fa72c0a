// Bundles cli.ts into dist/cli/ (or the folder given as the first argument): what
// `deno task compile` turns into the single binary. `deno bundle` with code splitting keeps
// every `import()` of the CLI a chunk of its own, so a command still loads only what it needs,
// but in a few plain JavaScript chunks instead of dozens of TypeScript modules: `runtime
// --dry-run` loads 29 chunks instead of 66 modules and starts about 15 ms sooner
// (docs/benchmarks.md, "The bundled CLI"). The npm packages deno.json maps stay imports
// (`--external`), resolved as from the source; the bundle holds no npm code. Run with
// `deno task bundle`; tests/cli_bundle_test.ts runs the bundle's commands beside the source's.

/** The project folder: deno.json, cli.ts. */
const ROOT = new URL("..", import.meta.url);

/** Where `deno task bundle` writes the bundle, relative to the project folder. */
export const CLI_BUNDLE_DIR = "dist/cli";

/** The bare names deno.json maps to npm packages: the imports the bundle keeps. */
export async function npmImports(): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT))) as {
    imports?: Record<string, string>;
  };
  return Object.entries(config.imports ?? {})
    .filter(([, target]) => target.startsWith("npm:"))
    .map(([name]) => name);
}

/**
 * Bundle cli.ts into `outdir` (emptied first: chunk names carry a hash, so a stale chunk would
 * stay beside the new ones) and return the path of its entry, `cli.js`.
 */
export async function bundleCli(outdir: string = CLI_BUNDLE_DIR): Promise<string> {
  const target = new URL(outdir.endsWith("/") ? outdir : `${outdir}/`, ROOT);
  // The folder is emptied first: only ever one under dist/.
  const dist = new URL("dist/", ROOT);
  if (!target.href.startsWith(dist.href) || target.href === dist.href) {
    throw new Error(
      `Cannot bundle into ${target.pathname}: choose a folder under ${dist.pathname}`,
    );
  }
  await Deno.remove(target, { recursive: true }).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
  const externals = (await npmImports()).flatMap((name) => ["--external", name]);
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--code-splitting",
      "--platform=deno",
      ...externals,
      `--outdir=${target.pathname}`,
      "cli.ts",
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    throw new Error(`deno bundle failed: ${new TextDecoder().decode(output.stderr).trim()}`);
  }
  return new URL("cli.js", target).pathname;
}

if (import.meta.main) {
  try {
    const entry = await bundleCli(Deno.args[0]);
    console.log(`bundled cli.ts into ${entry}`);
  } catch (error) {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    Deno.exit(1);
  }
}
