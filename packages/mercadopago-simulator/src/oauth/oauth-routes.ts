// The HTTP face of the simulated OAuth: the authorization page a seller approves on, the token
// endpoint (before the `/mp` gate: it takes the client's credentials, not a bearer token), the
// account behind a seller's token, and a control to revoke a seller's grant.

import express, { type Router } from "express";

import { mpError } from "../util.ts";
import type { OAuthServer } from "./oauth-server.ts";

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const bearer = (header: string | undefined) =>
  /^Bearer\s+(\S+)\s*$/i.exec(header ?? "")?.[1] ?? null;

function authorizationPage(oauth: OAuthServer, query: Record<string, string>): string {
  const hidden = ["client_id", "redirect_uri", "state", "code_challenge", "code_challenge_method"]
    .map((k) => `<input type="hidden" name="${k}" value="${escape(query[k] ?? "")}">`)
    .join("");
  const sellers = oauth
    .sellers()
    .map(
      (s) =>
        `<li><form method="post" action="authorization">${hidden}` +
        `<input type="hidden" name="user_id" value="${s.userId}">` +
        `<button type="submit" name="decision" value="approve" data-user-id="${s.userId}">` +
        `Authorize as ${escape(s.nickname)} (${s.userId}, ${escape(s.siteId)})</button></form></li>`,
    )
    .join("");
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Authorize the application</title></head>` +
    `<body><h1>Mercado Pago simulator: authorize application ${escape(query.client_id ?? "")}</h1>` +
    `<ul>${sellers}</ul><form method="post" action="authorization">${hidden}` +
    `<button type="submit" name="decision" value="deny">Deny</button></form></body></html>`
  );
}

export function registerOAuthRoutes(router: Router, oauth: OAuthServer): void {
  const form = express.urlencoded({ extended: false, limit: "16kb" });

  router.get("/authorization", (req, res) => {
    const query = Object.fromEntries(
      Object.entries(req.query).filter(([, v]) => typeof v === "string"),
    ) as Record<string, string>;
    if (query.response_type !== "code" || !query.redirect_uri || !query.client_id) {
      res
        .status(400)
        .type("text")
        .send("client_id, response_type=code and redirect_uri are required");
      return;
    }
    res.type("html").send(authorizationPage(oauth, query));
  });

  router.post("/authorization", form, (req, res) => {
    const body = req.body as Record<string, string | undefined>;
    let target: URL;
    try {
      target = new URL(body.redirect_uri ?? "");
    } catch {
      res.status(400).type("text").send("redirect_uri is not a URL");
      return;
    }
    if (body.state) target.searchParams.set("state", body.state);
    if (body.decision !== "approve") {
      target.searchParams.set("error", "access_denied");
      res.redirect(302, target.toString());
      return;
    }
    const code = oauth.approve({
      userId: Number(body.user_id),
      clientId: body.client_id ?? "",
      redirectUri: target.origin + target.pathname,
      codeChallenge: body.code_challenge || null,
      codeChallengeMethod: body.code_challenge_method || null,
    });
    if (typeof code !== "string") {
      res.status(code.status).json(code.body);
      return;
    }
    target.searchParams.set("code", code);
    res.redirect(302, target.toString());
  });

  // JSON (as Mercado Pago's SDKs send it) or a form (as RFC 6749 has it)
  router.post("/mp/oauth/token", form, (req, res) => {
    const answer = oauth.token((req.body ?? {}) as Record<string, unknown>);
    if ("status" in answer) res.status(answer.status).json(answer.body);
    else res.json(answer);
  });

  // a seller's token answers as that seller; the simulator's own token goes on to its account
  router.get("/mp/users/me", (req, res, next) => {
    const token = bearer(req.get("authorization"));
    const seller = token ? oauth.sellerOf(token) : null;
    if (!seller) {
      next();
      return;
    }
    res.json({ id: seller.userId, nickname: seller.nickname, site_id: seller.siteId });
  });

  router.get("/api/oauth/sellers", (_req, res) => {
    res.json({ data: oauth.sellers(), issued: oauth.issued });
  });

  router.post("/api/oauth/sellers/:userId/revoke", (req, res) => {
    const userId = Number(req.params.userId);
    if (!oauth.sellers().some((s) => s.userId === userId)) {
      res.status(404).json(mpError(404, "not_found", "unknown seller"));
      return;
    }
    res.json({ revoked_tokens: oauth.revoke(userId) });
  });
}
