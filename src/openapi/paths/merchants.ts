import {
  CallbackQuerySchema,
  CreatedMerchantSchema,
  CreateMerchantSchema,
  MerchantListSchema,
  MerchantSchema,
} from "../../merchants/merchants.schemas.ts";
import { AUTHENTICATED, errors, json, type Operation } from "../define.ts";

const MERCHANT = {
  id: "3f9a6c2e-1b7d-4e8a-9c0f-5d2b7a1e6c40",
  name: "Café Central",
  status: "connected",
  mercadopago_user_id: "700000001",
  site: "MLA",
  token_expires_at: "2027-06-05T12:00:00.000Z",
  connected_at: "2026-12-07T12:00:00.000Z",
  disconnected_reason: null,
  created_at: "2026-12-07T11:58:00.000Z",
};

const CONNECT_URL =
  "https://auth.mercadopago.com/authorization?client_id=1234567890&response_type=code" +
  "&platform_id=mp&state=Yl9x…&redirect_uri=https%3A%2F%2Fpos.example.com%2Foauth%2Fcallback" +
  "&code_challenge=E9Mel…&code_challenge_method=S256";

const NEW = {
  ...MERCHANT,
  status: "not_connected",
  mercadopago_user_id: null,
  site: null,
  token_expires_at: null,
  connected_at: null,
};

const PLATFORM = "Platform mode only (`MP_CLIENT_ID`, `MP_CLIENT_SECRET`, `TOKEN_ENCRYPTION_KEY`).";

export const MERCHANT_OPERATIONS: Operation[] = [
  {
    method: "post",
    path: "/merchants",
    summary: "Add a merchant and get the link its seller authorizes at (full-access keys)",
    description:
      `${PLATFORM} The seller opens \`connect_url\` (Mercado Pago's OAuth authorization, with ` +
      "PKCE) and comes back to `GET /oauth/callback`; the link works once, for 15 minutes.",
    tag: "merchants",
    body: { schema: CreateMerchantSchema, required: true, example: { name: "Café Central" } },
    responses: {
      201: json(CreatedMerchantSchema, "the merchant, not connected yet, with its connect_url", {
        ...NEW,
        connect_url: CONNECT_URL,
      }),
      ...errors([400, ...AUTHENTICATED, 413, 415]),
    },
  },
  {
    method: "get",
    path: "/merchants",
    summary: "The merchants, oldest first",
    tag: "merchants",
    responses: {
      200: json(MerchantListSchema, "the merchants (never a token)", { data: [MERCHANT] }),
      ...errors(AUTHENTICATED),
    },
  },
  {
    method: "get",
    path: "/merchants/{id}",
    summary: "A merchant: its status, Mercado Pago account, site and token expiry",
    tag: "merchants",
    responses: {
      200: json(MerchantSchema, "the merchant (never a token)", MERCHANT),
      ...errors([...AUTHENTICATED, 404]),
    },
  },
  {
    method: "post",
    path: "/merchants/{id}/connect",
    summary: "A new connect_url for a merchant not connected (full-access keys)",
    description: "The last link expired or was used, or the merchant was disconnected.",
    tag: "merchants",
    responses: {
      200: json(CreatedMerchantSchema, "the merchant with a fresh connect_url", {
        ...NEW,
        connect_url: CONNECT_URL,
      }),
      ...errors([...AUTHENTICATED, 404, 409], { 409: "`conflict`: the merchant is connected" }),
    },
  },
  {
    method: "delete",
    path: "/merchants/{id}/connection",
    summary: "Disconnect a merchant: its tokens are forgotten (full-access keys)",
    description: "Its POS refuse sales (`merchant_not_connected`) until it connects again.",
    tag: "merchants",
    responses: {
      200: json(MerchantSchema, "the merchant, disconnected", {
        ...MERCHANT,
        status: "disconnected",
        token_expires_at: null,
        disconnected_reason: "disconnected by the platform",
      }),
      ...errors([...AUTHENTICATED, 404]),
    },
  },
  {
    method: "get",
    path: "/oauth/callback",
    summary: "Where Mercado Pago sends the seller back after authorizing (no key)",
    description:
      "Exchanges the code (with the PKCE verifier) at Mercado Pago's `POST /oauth/token`, reads " +
      "the account with `GET /users/me` and stores the tokens sealed (AES-256-GCM). A forged, " +
      "expired or already used `state` changes nothing (400).",
    tag: "merchants",
    security: "public",
    query: {
      schema: CallbackQuerySchema,
      descriptions: {
        code: "the authorization code",
        state: "the single-use state of the connect_url",
        error: "set instead of code when the seller did not authorize",
      },
    },
    responses: {
      200: json(MerchantSchema, "the merchant, connected", MERCHANT),
      ...errors([400, 409, 429, 502, 503, 504], {
        400: "`validation_failed` (an unknown, expired or used state) or `unsupported_site` (an account of another site)",
        409: "`conflict`: the account is connected to another merchant",
      }),
    },
  },
];
