import { z } from "zod";

export const CreateMerchantSchema = z.strictObject({
  name: z.string().trim().min(1).max(120),
});

export const MerchantIdSchema = z.uuid();

/**
 * What Mercado Pago sends the seller back with. `error` (RFC 6749 §4.1.2.1, e.g. access_denied)
 * when the seller did not authorize; UNCONFIRMED in Mercado Pago's docs, so read when present.
 */
export const CallbackQuerySchema = z.looseObject({
  code: z.string().min(1).max(512).optional(),
  state: z.string().min(1).max(128).optional(),
  error: z.string().max(100).optional(),
});

export const MerchantSchema = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(["not_connected", "connected", "disconnected"]),
  mercadopago_user_id: z.string().nullable(),
  site: z.string().nullable(),
  token_expires_at: z
    .string()
    .nullable()
    .describe("when the access token expires; never the token"),
  connected_at: z.string().nullable(),
  disconnected_reason: z.string().nullable(),
  created_at: z.string(),
});

export const CreatedMerchantSchema = MerchantSchema.extend({
  connect_url: z
    .string()
    .describe(
      "Mercado Pago's authorization page for the seller; usable once, for 15 minutes " +
        "(POST /merchants/{id}/connect gives a new one)",
    ),
});

export const MerchantListSchema = z.object({ data: z.array(MerchantSchema) });

export type MerchantBody = z.infer<typeof MerchantSchema>;
