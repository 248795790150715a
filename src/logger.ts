import { randomUUID } from "node:crypto";
import type { RequestHandler } from "express";
import { pino, type DestinationStream, type Level, type Logger } from "pino";

declare module "node:http" {
  interface IncomingMessage {
    /** the request id: the client's X-Request-Id when it is sane, else a new UUID */
    id: string;
    /** a logger whose lines carry this request's id */
    log: Logger;
  }
}

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
  "metricsToken",
  "METRICS_TOKEN",
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

/** Each logger made here, and its twin on the same stream without the redaction pass. */
const accessLoggers = new WeakMap<Logger, Logger>();

/** The service's logger; `destination` is for tests that read what was logged. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const pretty = !destination && process.stdout.isTTY && level !== "silent";
  const stream =
    destination ??
    (pretty
      ? pino.transport({ target: "pino-pretty", options: { colorize: true } })
      : pino.destination(1));
  const logger = pino({ level, redact: { paths: REDACT, censor: "[redacted]" } }, stream);
  accessLoggers.set(logger, pino({ level }, stream));
  return logger;
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

function levelFor(statusCode: number): Level {
  if (statusCode >= 500) return "error";
  if (statusCode >= 400) return "warn";
  return "info";
}

/**
 * One line per request, when it ends, with a request id that is echoed when the client sent a
 * sane one. The access line holds only the method, the URL with secret-like query values cut
 * out, the status and the time, so it is written by a logger without the redaction pass; the
 * per-request logger (`req.log`, redacting) is only made when a route logs something.
 */
export function createHttpLogger(logger: Logger): RequestHandler {
  // a logger from elsewhere (no twin) keeps redacting its access lines
  const access = accessLoggers.get(logger) ?? logger;
  return (req, res, next) => {
    const start = performance.now();
    const sent = req.headers["x-request-id"];
    const id = typeof sent === "string" && REQUEST_ID.test(sent) ? sent : randomUUID();
    req.id = id;
    res.setHeader("X-Request-Id", id);
    let child: Logger | undefined;
    Object.defineProperty(req, "log", {
      configurable: true,
      get: () => (child ??= logger.child({ reqId: id })),
    });
    res.once("close", () => {
      const finished = res.writableFinished;
      const level = finished ? levelFor(res.statusCode) : "warn";
      if (!access.isLevelEnabled(level)) return;
      access[level](
        {
          req: { id, method: req.method, url: loggableUrl(req.originalUrl) },
          res: { statusCode: res.statusCode },
          responseTime: Math.round(performance.now() - start),
        },
        finished ? "request completed" : "request aborted",
      );
    });
    next();
  };
}
