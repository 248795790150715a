import type { DeliveryBody, EndpointBody } from "./webhooks-out.schemas.ts";
import type { DeliveryRow, EndpointRow } from "./webhooks-out.repository.ts";

/** An endpoint as the API shows it: never its secret. */
export function presentEndpoint(e: EndpointRow): EndpointBody {
  return {
    id: e.id,
    url: e.url,
    events: e.events as EndpointBody["events"],
    description: e.description,
    status: e.disabledAt ? "disabled" : "enabled",
    disabled_at: e.disabledAt?.toISOString() ?? null,
    disabled_reason: e.disabledReason,
    created_at: e.createdAt.toISOString(),
    merchant_id: e.merchantId,
  };
}

export function presentDelivery(d: DeliveryRow): DeliveryBody {
  return {
    id: d.id,
    endpoint_id: d.endpointId,
    event_id: d.eventId,
    event_type: d.eventType as DeliveryBody["event_type"],
    external_reference: d.externalReference,
    status: d.status as DeliveryBody["status"],
    attempt_count: d.attempts,
    next_attempt_at: d.status === "pending" ? d.nextAttemptAt.toISOString() : null,
    delivered_at: d.deliveredAt?.toISOString() ?? null,
    created_at: d.createdAt.toISOString(),
    status_code: d.lastStatusCode,
    latency_ms: d.lastLatencyMs,
    error: d.lastError,
    attempts: d.attemptsLog.map((a) => ({
      at: a.at.toISOString(),
      status_code: a.statusCode,
      latency_ms: a.latencyMs,
      error: a.error,
    })),
  };
}
