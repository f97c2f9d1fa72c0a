// `basename`, `dirname`, `isAbsolute`, `join` and `resolve` of node:path, for the modules that load on
// `runtime --dry-run`: node:path brings a part of the Node compatibility layer with it (its
// error classes, `inspect`, `assert`: about 20 ms of CPU at start-up, docs/benchmarks.md). On
// POSIX systems these are Node's own algorithms, for the same results (path_test.ts compares
// them with node:path); on Windows node:path itself loads. Private to the package.

const windows: typeof import("node:path") | undefined = Deno.build.os === "windows"
  ? await import("node:path")
  : undefined;

/** Node's normalizeString for "/": resolves "." and ".." segments and repeated separators. */
function normalizeString(path: string, allowAboveRoot: boolean): string {
  let res = "";
  let lastSegmentLength = 0;
  let lastSlash = -1;
  let dots = 0;
  let char = "";
  for (let i = 0; i <= path.length; ++i) {
    if (i < path.length) char = path[i]!;
    else if (char === "/") break;
    else char = "/";
    if (char === "/") {
      if (lastSlash === i - 1 || dots === 1) {
        // An empty segment or ".".
      } else if (dots === 2) {
        if (
          res.length < 2 || lastSegmentLength !== 2 || res.at(-1) !== "." || res.at(-2) !== "."
        ) {
          if (res.length > 2) {
            const lastSlashIndex = res.lastIndexOf("/");
            if (lastSlashIndex === -1) {
              res = "";
              lastSegmentLength = 0;
            } else {
              res = res.slice(0, lastSlashIndex);
              lastSegmentLength = res.length - 1 - res.lastIndexOf("/");
            }
            lastSlash = i;
            dots = 0;
            continue;
          } else if (res.length !== 0) {
            res = "";
            lastSegmentLength = 0;
            lastSlash = i;
            dots = 0;
            continue;
          }
        }
        if (allowAboveRoot) {
          res += res.length > 0 ? "/.." : "..";
          lastSegmentLength = 2;
        }
      } else {
        if (res.length > 0) res += `/${path.slice(lastSlash + 1, i)}`;
        else res = path.slice(lastSlash + 1, i);
        lastSegmentLength = i - lastSlash - 1;
      }
      lastSlash = i;
      dots = 0;
    } else if (char === "." && dots !== -1) {
      ++dots;
    } else {
      dots = -1;
    }
  }
  return res;
}

function posixNormalize(path: string): string {
  if (path.length === 0) return ".";
  const absolute = path[0] === "/";
  const trailingSeparator = path.at(-1) === "/";
  let normalized = normalizeString(path, !absolute);
  if (normalized.length === 0) {
    if (absolute) return "/";
    return trailingSeparator ? "./" : ".";
  }
  if (trailingSeparator) normalized += "/";
  return absolute ? `/${normalized}` : normalized;
}

/** `path.isAbsolute` of node:path. */
export function isAbsolute(path: string): boolean {
  if (windows !== undefined) return windows.isAbsolute(path);
  return path.length > 0 && path[0] === "/";
}

/** `path.basename` of node:path, without its suffix argument. */
export function basename(path: string): string {
  if (windows !== undefined) return windows.basename(path);
  let start = 0;
  let end = -1;
  let matchedSlash = true;
  for (let i = path.length - 1; i >= 0; --i) {
    if (path[i] === "/") {
      if (!matchedSlash) {
        start = i + 1;
        break;
      }
    } else if (end === -1) {
      matchedSlash = false;
      end = i + 1;
    }
  }
  return end === -1 ? "" : path.slice(start, end);
}

/** `path.dirname` of node:path. */
export function dirname(path: string): string {
  if (windows !== undefined) return windows.dirname(path);
  if (path.length === 0) return ".";
  const hasRoot = path[0] === "/";
  let end = -1;
  let matchedSlash = true;
  for (let i = path.length - 1; i >= 1; --i) {
    if (path[i] === "/") {
      if (!matchedSlash) {
        end = i;
        break;
      }
    } else {
      matchedSlash = false;
    }
  }
  if (end === -1) return hasRoot ? "/" : ".";
  if (hasRoot && end === 1) return "//";
  return path.slice(0, end);
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
  let resolved = "";
  let absolute = false;
  for (let i = paths.length - 1; i >= -1 && !absolute; i--) {
    const path = i >= 0 ? paths[i]! : Deno.cwd();
    if (path.length === 0) continue;
    resolved = `${path}/${resolved}`;
    absolute = path[0] === "/";
  }
  resolved = normalizeString(resolved, !absolute);
  if (absolute) return `/${resolved}`;
  return resolved.length > 0 ? resolved : ".";
}
