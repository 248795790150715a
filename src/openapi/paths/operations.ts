import { z } from "zod";
import { json, errors, text, type Operation } from "../define.ts";
import { HealthSchema, ReadySchema } from "../schemas.ts";

/** The probes, the metrics, and this document. */
export const SERVICE_OPERATIONS: Operation[] = [
  {
    method: "get",
    path: "/health",
    summary: "The process is up",
    tag: "operations",
    security: "public",
    responses: { 200: json(HealthSchema, "up", { status: "ok" }) },
  },
  {
    method: "get",
    path: "/metrics",
    summary: "Prometheus metrics (text format)",
    description:
      "Needs `Authorization: Bearer <METRICS_TOKEN>` when METRICS_TOKEN is set; API keys do " +
      "not open it.",
    tag: "operations",
    security: "metricsToken",
    responses: {
      200: { description: "the metrics", content: { "text/plain": text() } },
      ...errors([401]),
    },
  },
  {
    method: "get",
    path: "/ready",
    summary: "The database answers",
    description: "Answers within 1.5 s either way (a load balancer's probe).",
    tag: "operations",
    security: "public",
    responses: {
      200: json(ReadySchema, "the database answers", { status: "ready" }),
      503: json(ReadySchema, "the database does not answer (`Retry-After`)", {
        status: "unavailable",
      }),
    },
  },
  {
    method: "get",
    path: "/openapi.json",
    summary: "This document",
    tag: "operations",
    security: "public",
    responses: {
      200: json(z.looseObject({}), "the OpenAPI 3.1 document of the service"),
    },
  },
  {
    method: "get",
    path: "/docs",
    summary: "This document in a viewer (Swagger UI, served from this service)",
    tag: "operations",
    security: "public",
    responses: { 200: { description: "an HTML page", content: { "text/html": text() } } },
  },
];
