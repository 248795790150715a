import { createRequire } from "node:module";
import path from "node:path";
import { Router } from "express";
import { AppError } from "../errors.ts";
import { buildOpenApiDocument } from "./generate.ts";

const require = createRequire(import.meta.url);

/** Swagger UI's files, from the swagger-ui-dist package (no CDN: the page works offline). */
const SWAGGER_UI_DIR = path.dirname(require.resolve("swagger-ui-dist/package.json"));
/** The only files of it the page loads; anything else under /docs/assets is not found. */
const ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css",
  "swagger-ui-bundle.js": "text/javascript",
  "swagger-ui-standalone-preset.js": "text/javascript",
  "favicon-32x32.png": "image/png",
};

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>mp-qr-pos API</title>
    <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
    <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/assets/swagger-ui-bundle.js"></script>
    <script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
    <script src="/docs/initializer.js"></script>
  </body>
</html>
`;

// A file of its own, not an inline script: helmet's Content-Security-Policy (script-src 'self')
// forbids inline scripts, and the page must not need that loosened. No validator badge: it
// would send the document to a third party.
const INITIALIZER = `window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "StandaloneLayout",
  });
});
`;

function packageVersion(): string {
  try {
    return (require("../../package.json") as { version: string }).version;
  } catch {
    return "0.0.0";
  }
}

/** Built on first use and kept: it depends on nothing but the code. */
let document: string | undefined;

/**
 * `GET /openapi.json` (the OpenAPI 3.1 document) and `GET /docs` (Swagger UI on it). Public:
 * the document describes the API, never data or keys.
 */
export function createDocsRouter(): Router {
  const router = Router();
  document ??= JSON.stringify(buildOpenApiDocument(packageVersion()));
  const body = document;

  router.get("/openapi.json", (_req, res) => {
    res.type("application/json").send(body);
  });
  router.get("/docs", (_req, res) => {
    res.type("text/html").send(PAGE);
  });
  router.get("/docs/initializer.js", (_req, res) => {
    res.type("text/javascript").send(INITIALIZER);
  });
  router.get("/docs/assets/:file", (req, res, next) => {
    const file = String(req.params.file);
    const type = Object.hasOwn(ASSETS, file) ? ASSETS[file] : undefined;
    if (!type) throw new AppError("not_found", `no route for GET ${req.path}`);
    res.setHeader("Cache-Control", "public, max-age=86400");
    res.type(type).sendFile(path.join(SWAGGER_UI_DIR, file), (err) => {
      if (err) next(err);
    });
  });
  return router;
}
