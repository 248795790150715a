// The machine's ceiling for this runtime: a bare Express 5 app with no middleware beyond the JSON
// parser, answering what the service's cheapest routes answer. Run as a child of bench/run.ts.
import express from "express";

const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port <= 0) {
  console.error("PORT must be set");
  process.exit(1);
}

const app = express();
app.disable("x-powered-by");
app.get("/health", (_req, res) => {
  res.json({ status: "ok" });
});
app.post("/echo", express.json({ limit: "64kb" }), (req, res) => {
  res.json(req.body);
});

const server = app.listen(port, "127.0.0.1");
server.keepAliveTimeout = 5_000;
process.on("SIGTERM", () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
});
