import axios from "axios";

/** Fetches Mercado Pago's image of a POS's QR (the `qr.image` link of the POS). */
export type QrImageFetcher = (url: string) => Promise<Buffer>;

const MAX_IMAGE_BYTES = 2 * 1024 * 1024;

/**
 * The link comes from Mercado Pago's answer; it is fetched without our access token (an image
 * host has no use for it), bounded in time and size, over https unless `allowHttp` (the
 * simulator and tests serve it over plain http on loopback).
 */
export function createQrImageFetcher(opts: {
  timeoutMs: number;
  allowHttp: boolean;
}): QrImageFetcher {
  return async (url) => {
    const parsed = new URL(url);
    if (parsed.protocol !== "https:" && !(opts.allowHttp && parsed.protocol === "http:")) {
      throw new Error(`refusing to fetch the QR image over ${parsed.protocol}`);
    }
    const res = await axios.get<ArrayBuffer>(parsed.toString(), {
      responseType: "arraybuffer",
      timeout: opts.timeoutMs,
      signal: AbortSignal.timeout(opts.timeoutMs),
      maxContentLength: MAX_IMAGE_BYTES,
      maxRedirects: 3,
      headers: { Accept: "image/png" },
      validateStatus: (s) => s === 200,
    });
    return Buffer.from(res.data);
  };
}
