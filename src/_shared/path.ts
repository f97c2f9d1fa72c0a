// `basename`, `dirname`, `isAbsolute`, `join` and `resolve` of node:path, for the modules that load on
// `runtime --dry-run`: node:path brings a part of the Node compatibility layer with it (its
// error classes, `inspect`, `assert`: about 20 ms of CPU at start-up, docs/benchmarks.md). On
// POSIX systems they are written here for the same results (path_test.ts compares them with
// node:path on a table of tricky paths); on Windows node:path itself loads. Private to the package.

const windows: typeof import("node:path") | undefined = Deno.build.os === "windows"
  ? await import("node:path")
  : undefined;

/** The segments of a POSIX path, without empty and "." ones, with ".." applied where it can be. */
function collapse(path: string, absolute: boolean): string[] {
  const kept: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment !== "..") kept.push(segment);
    else if (kept.length > 0 && kept.at(-1) !== "..") kept.pop();
    else if (!absolute) kept.push(".."); // above the root of an absolute path is the root
  }
  return kept;
}

function posixNormalize(path: string): string {
  if (path.length === 0) return ".";
  const absolute = path.startsWith("/");
  const trailingSeparator = path.endsWith("/");
  const body = collapse(path, absolute).join("/");
  if (body.length === 0) return absolute ? "/" : trailingSeparator ? "./" : ".";
  return `${absolute ? "/" : ""}${body}${trailingSeparator ? "/" : ""}`;
}

/** `path.isAbsolute` of node:path. */
export function isAbsolute(path: string): boolean {
  if (windows !== undefined) return windows.isAbsolute(path);
  return path.startsWith("/");
}

/** `path.basename` of node:path, without its suffix argument. */
export function basename(path: string): string {
  if (windows !== undefined) return windows.basename(path);
  let end = path.length;
  while (end > 0 && path[end - 1] === "/") end--;
  if (end === 0) return "";
  return path.slice(path.lastIndexOf("/", end - 1) + 1, end);
}

/** `path.dirname` of node:path. */
export function dirname(path: string): string {
  if (windows !== undefined) return windows.dirname(path);
  if (path.length === 0) return ".";
  let end = path.length;
  while (end > 1 && path[end - 1] === "/") end--; // trailing separators; a lone root stays
  const separator = path.lastIndexOf("/", end - 1);
  if (separator === -1) return ".";
  if (separator === 0) return "/";
  // node:path keeps a leading "//" (POSIX leaves its meaning to the system: "//a" -> "//") and
  // the separators before the last one of a run ("a//b" -> "a/").
  if (separator === 1 && path.startsWith("/")) return "//";
  return path.slice(0, separator);
}

/** `path.join` of node:path. */
export function join(...paths: string[]): string {
  if (windows !== undefined) return windows.join(...paths);
  const parts = paths.filter((part) => part.length > 0);
  return parts.length === 0 ? "." : posixNormalize(parts.join("/"));
}

/** `path.resolve` of node:path (relative to the current directory). */
export function resolve(...paths: string[]): string {
  if (windows !== undefined) return windows.resolve(...paths);
  const from: string[] = [];
  for (let i = paths.length - 1; i >= 0; i--) {
    const path = paths[i]!;
    if (path.length === 0) continue;
    from.unshift(path);
    if (path.startsWith("/")) break;
  }
  if (!from[0]?.startsWith("/")) from.unshift(Deno.cwd());
  return `/${collapse(from.join("/"), true).join("/")}`;
}
