import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { pino, type Logger } from "pino";
import { pinoHttp } from "pino-http";

/** Paths pino blanks out wherever they appear: tokens and credentials never reach a log line. */
const REDACT = [
  "req.headers.authorization",
  "req.headers.cookie",
  "req.headers['x-signature']",
  "headers.authorization",
  "headers.Authorization",
  "config.headers.Authorization",
  "accessToken",
  "access_token",
  "token",
  "MP_ACCESS_TOKEN",
  "*.accessToken",
  "*.access_token",
  "*.token",
  "*.MP_ACCESS_TOKEN",
  "apiKeys",
  "*.apiKeys",
  "webhookSecret",
  "*.webhookSecret",
];

export function createLogger(level: string): Logger {
  const pretty = process.stdout.isTTY && level !== "silent";
  return pino({
    level,
    redact: { paths: REDACT, censor: "[redacted]" },
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
