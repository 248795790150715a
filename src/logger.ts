import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { pino, type DestinationStream, type Logger } from "pino";
import { pinoHttp } from "pino-http";

/** Keys whose values are credentials; blanked wherever they appear, up to three levels deep. */
const SECRET_KEYS = [
  "authorization",
  "Authorization",
  "cookie",
  "accessToken",
  "access_token",
  "token",
  "MP_ACCESS_TOKEN",
  "apiKeys",
  "staffApiKeys",
  "posApiKeys",
  "API_KEYS",
  "STAFF_API_KEYS",
  "POS_API_KEYS",
  "secret",
  "webhookSecret",
  "WEBHOOK_SECRET",
  "signingSecret",
  "webhookSigningSecret",
  "MP_WEBHOOK_SIGNING_SECRET",
];

/** Paths pino blanks out: tokens, keys and secrets never reach a log line. */
const REDACT = [
  ...SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]),
  "req.headers['x-signature']",
  "*.headers['x-signature']",
  // an HTTP client error carries the request it made, Authorization header included
  "*.config.headers.Authorization",
  "*.config.headers.authorization",
];

/** The service's logger; `destination` is for tests that read what was logged. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, redact: { paths: REDACT, censor: "[redacted]" } };
  if (destination) return pino(options, destination);
  const pretty = process.stdout.isTTY && level !== "silent";
  return pino({
    ...options,
    ...(pretty ? { transport: { target: "pino-pretty", options: { colorize: true } } } : {}),
  });
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A safe form of the URL for logs: query values that could be secrets are dropped. */
function loggableUrl(url: string | undefined): string {
  if (!url) return "";
  const q = url.indexOf("?");
  if (q === -1) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  for (const key of [...params.keys()]) {
    if (/secret|token|key/i.test(key)) params.set(key, "[redacted]");
  }
  return `${url.slice(0, q)}?${params.toString()}`;
}

/** Request logging with a request id that is echoed when the client sent a sane one. */
export function createHttpLogger(logger: Logger) {
  return pinoHttp({
    logger,
    genReqId(req: IncomingMessage, res: ServerResponse) {
      const sent = req.headers["x-request-id"];
      const id = typeof sent === "string" && REQUEST_ID.test(sent) ? sent : randomUUID();
      res.setHeader("X-Request-Id", id);
      return id;
    },
    customLogLevel(_req, res, err) {
      if (err || res.statusCode >= 500) return "error";
      if (res.statusCode >= 400) return "warn";
      return "info";
    },
    serializers: {
      req(req: { id: unknown; method: string; url: string; remoteAddress?: string }) {
        return { id: req.id, method: req.method, url: loggableUrl(req.url) };
      },
      res(res: { statusCode: number }) {
        return { statusCode: res.statusCode };
      },
    },
  });
}
