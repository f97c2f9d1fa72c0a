// The file path a file sink writes to, checked when the sink is made. Private to the sinks.

/**
 * `path` as given, when it is a non-empty string.
 *
 * @throws {TypeError} naming the sink kind, its name and the value given otherwise.
 */
export function sinkPath(kind: string, name: string, path: unknown): string {
  if (typeof path !== "string" || path.length === 0) {
    throw new TypeError(
      `Cannot create ${kind} sink '${name}' as 'path' must be a non-empty string: current value is ${
        JSON.stringify(path)
      }`,
    );
  }
  return path;
}
