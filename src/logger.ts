import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { RequestHandler } from "express";
import { pino, type DestinationStream, type Level, type Logger } from "pino";
import { redactSecrets } from "./log-redaction.ts";

declare module "node:http" {
  interface IncomingMessage {
    /** the request id: the client's X-Request-Id when it is sane, else a new UUID */
    id: string;
    /** a logger whose lines carry this request's id */
    log: Logger;
  }
}

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
  const logger = pino(
    {
      level,
      // credentials are blanked by one walk of each line (src/log-redaction.ts), errors
      // included: the walk serializes them as pino's err serializer would, so pino must not again
      formatters: { log: redactSecrets },
      serializers: { err: (err: unknown) => err },
    },
    stream,
  );
  // a child's bindings are written once, when it is made, past every formatter: they are walked
  // here, by the method every descendant inherits
  const pinoChild = logger.child;
  logger.child = function (this: Logger, bindings, options) {
    return pinoChild.call(this, redactSecrets(bindings), options);
  } as Logger["child"];
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

/** Requests whose successful answers are logged at debug: probes, scrapes, assets. */
const quiet = new WeakSet<IncomingMessage>();

/**
 * Marks a route's successful answers as debug lines (health checks, /metrics, the favicon, static
 * files): a load balancer or scraper asking every few seconds would bury the service's own lines.
 * A failure of such a request keeps its level.
 */
export const logAtDebug: RequestHandler = (req, _res, next) => {
  quiet.add(req);
  next();
};

interface Note {
  level: Level;
  fields: Record<string, unknown>;
  msg: string;
}

/** What a request's handling had to say, written on its one access line. */
const notes = new WeakMap<IncomingMessage, Note>();

/**
 * Says something about the request on its access line rather than on a line of its own (an
 * error and its cause, an upstream failure), so each request is one line; the line takes this
 * level and message. A request without an access line logs it at once.
 */
export function noteOnAccessLine(
  req: IncomingMessage,
  level: Level,
  fields: Record<string, unknown>,
  msg: string,
): void {
  // req.id is set by createHttpLogger, which writes the access line
  if (typeof req.id === "string") notes.set(req, { level, fields, msg });
  else req.log[level](fields, msg);
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
      const note = notes.get(req);
      const status = res.statusCode;
      const level = note
        ? note.level
        : !finished
          ? "warn"
          : status < 400 && quiet.has(req)
            ? "debug"
            : levelFor(status);
      // a note may carry an error, and with it whatever it quotes: only the redacting logger
      const out = note ? logger : access;
      if (!out.isLevelEnabled(level)) return;
      out[level](
        {
          ...note?.fields,
          ...(note && !finished ? { aborted: true } : {}),
          req: { id, method: req.method, url: loggableUrl(req.originalUrl) },
          res: { statusCode: status },
          responseTime: Math.round(performance.now() - start),
        },
        note ? note.msg : finished ? "request completed" : "request aborted",
      );
    });
    next();
  };
}
