import nock from "nock";
import { afterAll, beforeAll } from "vitest";

// Tests never reach the internet: only loopback (supertest, the simulator, local Postgres).
beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/);
});
afterAll(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});
