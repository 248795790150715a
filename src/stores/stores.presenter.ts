import type { Pos, Store, StoreDefaults } from "./store.ts";
import type { PosBody, StoreBody } from "./stores.responses.ts";

/** A store with the zone and language it runs in: its own, else the site's default. */
export function presentStore(store: Store, defaults: StoreDefaults): StoreBody {
  const l = store.location;
  return {
    external_id: store.externalId,
    name: store.name,
    // in the order the request gives them (jsonb keeps its own order)
    location: {
      street_number: l.street_number,
      street_name: l.street_name,
      city_name: l.city_name,
      state_name: l.state_name,
      latitude: l.latitude,
      longitude: l.longitude,
      ...(l.reference !== undefined ? { reference: l.reference } : {}),
    },
    mercadopago_store_id: store.mercadopagoId,
    merchant_id: store.merchantId,
    time_zone: store.timeZone ?? defaults.timeZone,
    locale: store.locale ?? defaults.locale,
    created_at: store.createdAt.toISOString(),
    updated_at: store.updatedAt.toISOString(),
  };
}

export function presentPos(pos: Pos): PosBody {
  const self = `/pos/${encodeURIComponent(pos.externalId)}`;
  return {
    external_id: pos.externalId,
    store_id: pos.storeExternalId,
    name: pos.name,
    category: pos.category,
    mercadopago_pos_id: pos.mercadopagoId,
    // Mercado Pago's own images of the QR, as it gave them
    qr: {
      image_url: pos.qrImageUrl,
      template_document_url: pos.qrTemplateDocumentUrl,
      template_image_url: pos.qrTemplateImageUrl,
    },
    // the same QR rendered by this service
    links: { qr_png: `${self}/qr.png`, qr_svg: `${self}/qr.svg`, qr_pdf: `${self}/qr.pdf` },
    created_at: pos.createdAt.toISOString(),
    updated_at: pos.updatedAt.toISOString(),
  };
}
