// The environment interpolation engine behind interpolateEnv() and loadRuntimeConfig().
// Private to src/runtime/config.

/** A successful interpolation. */
export interface Interpolated {
  readonly ok: true;
  /** The text with every expression replaced. */
  readonly value: string;
  /** True when the text held at least one `${...}` expression. */
  readonly expanded: boolean;
}

/** A failed interpolation: an unset required variable or a malformed expression. */
export interface InterpolationFailure {
  readonly ok: false;
  /** `CONFIG_ENV_UNSET` for a variable, `CONFIG_INVALID` for a malformed expression. */
  readonly code: "CONFIG_ENV_UNSET" | "CONFIG_INVALID";
  /** What is wrong, without the path. */
  readonly message: string;
  /** The variable concerned, when there is one. */
  readonly variable?: string;
  /** 1-based column inside the text where the failing expression starts. */
  readonly column: number;
}

type Part = string | Expression;

interface Expression {
  readonly name: string;
  readonly op: "" | ":-" | "-" | ":?" | "?";
  readonly word: readonly Part[];
  /** 0-based offset of the `$`. */
  readonly start: number;
}

class Malformed extends Error {
  constructor(readonly column: number, message: string) {
    super(message);
  }
}

class Unset extends Error {
  constructor(readonly variable: string, readonly column: number, message: string) {
    super(message);
  }
}

const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;

/** How deep `${...}` expressions may nest inside each other's defaults and messages. */
export const MAX_INTERPOLATION_DEPTH = 16;

/**
 * Replace `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}`, `${VAR?message}`
 * and `$$` in `text`. Defaults and messages may hold expressions themselves; they are
 * evaluated only when used.
 *
 * @param text The text.
 * @param env Reads one variable; undefined when unset.
 * @returns The result or the failure.
 */
export function interpolate(
  text: string,
  env: (name: string) => string | undefined,
): Interpolated | InterpolationFailure {
  let parts: readonly Part[];
  try {
    const [parsed] = parseSequence(text, 0, false, 0);
    parts = parsed;
  } catch (error) {
    if (error instanceof Malformed) {
      return { ok: false, code: "CONFIG_INVALID", message: error.message, column: error.column };
    }
    throw error;
  }
  try {
    return {
      ok: true,
      value: evaluate(parts, env),
      expanded: parts.some((part) => typeof part !== "string"),
    };
  } catch (error) {
    if (error instanceof Unset) {
      return {
        ok: false,
        code: "CONFIG_ENV_UNSET",
        message: error.message,
        variable: error.variable,
        column: error.column,
      };
    }
    throw error;
  }
}

function parseSequence(
  text: string,
  start: number,
  inWord: boolean,
  depth: number,
): [Part[], number] {
  const parts: Part[] = [];
  let literal = "";
  let i = start;
  while (i < text.length) {
    const c = text[i]!;
    if (inWord && c === "}") break;
    if (c === "$" && text[i + 1] === "$") {
      literal += "$";
      i += 2;
    } else if (c === "$" && text[i + 1] === "{") {
      if (literal !== "") parts.push(literal);
      literal = "";
      const [expression, next] = parseExpression(text, i, depth + 1);
      parts.push(expression);
      i = next;
    } else {
      literal += c;
      i++;
    }
  }
  if (literal !== "") parts.push(literal);
  return [parts, i];
}

function parseExpression(text: string, start: number, depth: number): [Expression, number] {
  const column = start + 1;
  if (depth > MAX_INTERPOLATION_DEPTH) {
    throw new Malformed(
      column,
      `Cannot interpolate: '\${' nested more than ${MAX_INTERPOLATION_DEPTH} deep at column ${column}`,
    );
  }
  NAME.lastIndex = start + 2;
  const match = NAME.exec(text);
  if (match === null) {
    const found = text[start + 2];
    throw new Malformed(
      column,
      found === undefined
        ? `Cannot interpolate: unterminated '\${' at column ${column}`
        : `Cannot interpolate: expected a variable name after '\${' at column ${column}, found '${found}' (write '$$' for a literal '$')`,
    );
  }
  const name = match[0];
  let i = start + 2 + name.length;
  let op: Expression["op"] = "";
  if (text.startsWith(":-", i) || text.startsWith(":?", i)) {
    op = text.slice(i, i + 2) as ":-" | ":?";
    i += 2;
  } else if (text[i] === "-" || text[i] === "?") {
    op = text[i] as "-" | "?";
    i += 1;
  } else if (text[i] !== "}") {
    throw new Malformed(
      column,
      text[i] === undefined
        ? `Cannot interpolate: unterminated '\${${name}' at column ${column}, expected '}'`
        : `Cannot interpolate: unexpected '${
          text[i]
        }' in '\${${name}' at column ${column}, expected '}', ':-', '-', ':?' or '?'`,
    );
  }
  let word: Part[] = [];
  if (op !== "") [word, i] = parseSequence(text, i, true, depth);
  if (text[i] !== "}") {
    throw new Malformed(
      column,
      `Cannot interpolate: unterminated '\${${name}' at column ${column}, expected '}'`,
    );
  }
  return [{ name, op, word, start }, i + 1];
}

function evaluate(parts: readonly Part[], env: (name: string) => string | undefined): string {
  let out = "";
  for (const part of parts) {
    out += typeof part === "string" ? part : evaluateExpression(part, env);
  }
  return out;
}

function evaluateExpression(
  expression: Expression,
  env: (name: string) => string | undefined,
): string {
  const value = env(expression.name);
  const unset = value === undefined;
  const empty = unset || value === "";
  switch (expression.op) {
    case "":
      if (unset) throw unsetError(expression, "");
      return value;
    case ":-":
      return empty ? evaluate(expression.word, env) : value;
    case "-":
      return unset ? evaluate(expression.word, env) : value;
    case ":?":
      if (empty) throw unsetError(expression, evaluate(expression.word, env), !unset);
      return value;
    case "?":
      if (unset) throw unsetError(expression, evaluate(expression.word, env));
      return value;
  }
}

function unsetError(expression: Expression, message: string, isEmpty = false): Unset {
  const state = isEmpty ? "is empty" : "is not set";
  return new Unset(
    expression.name,
    expression.start + 1,
    `Environment variable ${expression.name} ${state}${message === "" ? "" : `: ${message}`}`,
  );
}
