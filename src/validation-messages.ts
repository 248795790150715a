import type { z } from "zod";

/** Words for zod's type names, as a person would say what was expected. */
const TYPE_WORDS: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  bigint: "an integer",
  boolean: "true or false",
  array: "a list",
  object: "an object",
  date: "a date",
  null: "null",
};

/** zod's string formats, in words. */
const FORMAT_WORDS: Record<string, string> = {
  email: "an email address",
  url: "a URL",
  uuid: "a UUID",
  datetime: "an ISO 8601 date-time",
  date: "an ISO 8601 date (YYYY-MM-DD)",
  time: "an ISO 8601 time",
  duration: "an ISO 8601 duration",
  ipv4: "an IPv4 address",
  ipv6: "an IPv6 address",
  base64: "base64 text",
  base64url: "base64url text",
};

const show = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));

function bound(
  origin: string,
  limit: number | bigint,
  inclusive: boolean | undefined,
  exact: boolean | undefined,
  side: "min" | "max",
): string {
  if (origin === "string") {
    if (side === "min" && Number(limit) === 1) return "must not be empty";
    const n = `${limit} character${Number(limit) === 1 ? "" : "s"}`;
    return exact ? `must be exactly ${n}` : `must be at ${side === "min" ? "least" : "most"} ${n}`;
  }
  if (origin === "array" || origin === "set") {
    if (side === "min" && Number(limit) === 1) return "must not be empty";
    const n = `${limit} item${Number(limit) === 1 ? "" : "s"}`;
    return exact
      ? `must have exactly ${n}`
      : `must have at ${side === "min" ? "least" : "most"} ${n}`;
  }
  if (inclusive === false) return `must be ${side === "min" ? "greater" : "less"} than ${limit}`;
  return `must be at ${side === "min" ? "least" : "most"} ${limit}`;
}

/**
 * Plain words for what zod reports, used where a schema gave no message of its own:
 * "must be a string", "must be greater than 0", "must be an integer", "must be one of: a, b".
 * The field's name is put in front by validationError; a missing field is "is required" there.
 */
export const readableIssue: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case "invalid_type":
      if ((issue.path?.length ?? 0) === 0 && issue.expected === "object") {
        return "the body must be a JSON object";
      }
      return `must be ${TYPE_WORDS[issue.expected] ?? issue.expected}`;
    case "too_small":
      return bound(issue.origin, issue.minimum, issue.inclusive, issue.exact, "min");
    case "too_big":
      return bound(issue.origin, issue.maximum, issue.inclusive, issue.exact, "max");
    case "invalid_format":
      if (issue.format === "starts_with") return `must start with ${show(issue.prefix)}`;
      if (issue.format === "ends_with") return `must end with ${show(issue.suffix)}`;
      if (issue.format === "includes") return `must include ${show(issue.includes)}`;
      if (issue.format === "regex") return "is not in the expected format";
      return `must be ${FORMAT_WORDS[issue.format] ?? `a valid ${issue.format}`}`;
    case "not_multiple_of":
      return `must be a multiple of ${issue.divisor}`;
    case "invalid_value":
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}`
        : `must be one of: ${issue.values.map(show).join(", ")}`;
    case "unrecognized_keys":
      return "unknown field";
    case "invalid_union":
      return "is not any of the accepted forms";
    case "invalid_key":
      return "has a key that is not valid";
    case "invalid_element":
      return "has a value that is not valid";
    default:
      return "is not valid";
  }
};
