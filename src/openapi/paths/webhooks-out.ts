import {
  CreatedEndpointSchema,
  CreateEndpointSchema,
  DeliveriesQuerySchema,
  DeliveryListSchema,
  DeliverySchema,
  EndpointListSchema,
} from "../../webhooks-out/webhooks-out.schemas.ts";
import { AUTHENTICATED, errors, json, type Operation } from "../define.ts";

const ENDPOINT = {
  id: "0b7c6c1e-7a53-4d0f-9d55-3f1a2b9c8e10",
  url: "https://erp.example.com/hooks/pos",
  events: ["sale.paid", "sale.refunded"],
  description: "ERP",
  status: "enabled",
  disabled_at: null,
  disabled_reason: null,
  created_at: "2026-12-07T12:00:00.000Z",
  merchant_id: null,
};

const DELIVERY = {
  id: "5d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6",
  endpoint_id: ENDPOINT.id,
  event_id: "evt_2f0d6a1c9b8e4f7a8c3d2e1f0a9b8c7d",
  event_type: "sale.paid",
  external_reference: "sale-0001",
  status: "succeeded",
  attempt_count: 1,
  next_attempt_at: null,
  delivered_at: "2026-12-07T12:01:00.120Z",
  created_at: "2026-12-07T12:01:00.000Z",
  status_code: 200,
  latency_ms: 118,
  error: null,
  attempts: [{ at: "2026-12-07T12:01:00.120Z", status_code: 200, latency_ms: 118, error: null }],
};

const DELIVERIES_QUERY = {
  schema: DeliveriesQuerySchema,
  descriptions: { limit: "newest first, 1–200 (default 50)" },
};

export const WEBHOOK_OUT_OPERATIONS: Operation[] = [
  {
    method: "post",
    path: "/webhook-endpoints",
    summary: "Add an endpoint told of sale events (full-access keys)",
    description:
      "Outside development the URL must be `https://` to a host resolving to public addresses only. " +
      "The answer's `secret` (`whsec_…`) signs every delivery (Standard Webhooks) and is shown only here.",
    tag: "webhooks",
    body: {
      schema: CreateEndpointSchema,
      required: true,
      example: { url: ENDPOINT.url, events: ENDPOINT.events, description: "ERP" },
    },
    responses: {
      201: json(CreatedEndpointSchema, "the endpoint, with its secret (once)", {
        ...ENDPOINT,
        secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw0zTz1b2Xkx0=",
      }),
      ...errors([400, ...AUTHENTICATED, 413, 415]),
    },
  },
  {
    method: "get",
    path: "/webhook-endpoints",
    summary: "The endpoints (not deleted); a disabled one says why",
    tag: "webhooks",
    responses: {
      200: json(EndpointListSchema, "the endpoints, oldest first", { data: [ENDPOINT] }),
      ...errors(AUTHENTICATED),
    },
  },
  {
    method: "delete",
    path: "/webhook-endpoints/{id}",
    summary: "Delete an endpoint (its deliveries stay readable)",
    tag: "webhooks",
    responses: { 204: { description: "deleted" }, ...errors([...AUTHENTICATED, 404]) },
  },
  {
    method: "get",
    path: "/webhook-endpoints/{id}/deliveries",
    summary: "An endpoint's deliveries, each with its attempts (time, status, latency, error)",
    tag: "webhooks",
    query: DELIVERIES_QUERY,
    responses: {
      200: json(DeliveryListSchema, "newest first", { data: [DELIVERY] }),
      ...errors([400, ...AUTHENTICATED, 404]),
    },
  },
  {
    method: "get",
    path: "/webhook-deliveries",
    summary: "The latest deliveries of every endpoint (the dashboard's list)",
    tag: "webhooks",
    query: DELIVERIES_QUERY,
    responses: {
      200: json(DeliveryListSchema, "newest first", { data: [DELIVERY] }),
      ...errors([400, ...AUTHENTICATED]),
    },
  },
  {
    method: "post",
    path: "/webhook-deliveries/{id}/retry",
    summary: "Send a delivery again now (full-access keys); re-enables a disabled endpoint",
    tag: "webhooks",
    responses: {
      202: json(DeliverySchema, "queued again", {
        ...DELIVERY,
        status: "pending",
        next_attempt_at: "2026-12-07T12:05:00.000Z",
      }),
      ...errors([...AUTHENTICATED, 404, 409], { 409: "`conflict`: its endpoint was deleted" }),
    },
  },
];
