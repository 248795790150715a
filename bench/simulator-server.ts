// The built-in Mercado Pago simulator on a loopback port of its own, in its own process, so the
// service is measured without Mercado Pago's side of the work (answering the API, sending
// notifications) on its event loop. Run as a child of bench/run.ts.
import { startSimulatorServer } from "mercadopago-simulator";

const port = Number(process.env.PORT);
const accessToken = process.env.SIM_ACCESS_TOKEN ?? "";
const collectorId = Number(process.env.SIM_COLLECTOR_ID);
if (!Number.isInteger(port) || port <= 0 || accessToken === "" || !Number.isInteger(collectorId)) {
  console.error("PORT, SIM_ACCESS_TOKEN and SIM_COLLECTOR_ID must be set");
  process.exit(1);
}

const sim = await startSimulatorServer({ accessToken, collectorId, host: "127.0.0.1", port });
process.on("SIGTERM", () => {
  void sim.close().then(() => process.exit(0));
});
