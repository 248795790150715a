import {
  DisplayInfoSchema,
  PosListSchema,
  PosSchema,
  StoreListSchema,
  StoreSchema,
} from "../../stores/stores.responses.ts";
import {
  CreatePosSchema,
  CreateStoreSchema,
  ListPosQuerySchema,
  UpdateStoreSchema,
} from "../../stores/stores.schemas.ts";
import { AUTHENTICATED, binary, errors, json, text, type Operation } from "../define.ts";
import {
  CREATE_POS_EXAMPLE,
  CREATE_STORE_EXAMPLE,
  DISPLAY_INFO_EXAMPLE,
  POS_EXAMPLE,
  STORE_EXAMPLE,
  UPDATE_STORE_EXAMPLE,
} from "../examples.ts";

/** The QR images of a POS: Mercado Pago is read for the QR when it is not kept yet. */
const QR_ERRORS = errors([...AUTHENTICATED, 404, 502, 504]);

export const STORE_OPERATIONS: Operation[] = [
  {
    method: "post",
    path: "/stores",
    summary: "Register a store at Mercado Pago (or adopt it)",
    tag: "stores",
    body: { schema: CreateStoreSchema, required: true, example: CREATE_STORE_EXAMPLE },
    responses: {
      200: json(StoreSchema, "an identical replay", STORE_EXAMPLE),
      201: json(StoreSchema, "the store", STORE_EXAMPLE),
      ...errors([400, ...AUTHENTICATED, 409, 413, 415, 502, 504]),
    },
  },
  {
    method: "get",
    path: "/stores",
    summary: "The stores registered here",
    tag: "stores",
    responses: {
      200: json(StoreListSchema, "the stores", { data: [STORE_EXAMPLE] }),
      ...errors(AUTHENTICATED),
    },
  },
  {
    method: "get",
    path: "/stores/{store_id}",
    summary: "A store",
    tag: "stores",
    responses: {
      200: json(StoreSchema, "the store", STORE_EXAMPLE),
      ...errors([...AUTHENTICATED, 404]),
    },
  },
  {
    method: "patch",
    path: "/stores/{store_id}",
    summary: "Set the store's time zone and language",
    description:
      "`time_zone`: an IANA zone (its day for `date=`); `locale`: es, pt-BR or en; " +
      "`null` puts one back on the site's default.",
    tag: "stores",
    body: { schema: UpdateStoreSchema, required: true, example: UPDATE_STORE_EXAMPLE },
    responses: {
      200: json(StoreSchema, "the store", STORE_EXAMPLE),
      ...errors([400, ...AUTHENTICATED, 404, 413, 415]),
    },
  },
  {
    method: "post",
    path: "/stores/{store_id}/pos",
    summary: "Register a POS of the store at Mercado Pago (or adopt it)",
    tag: "stores",
    body: { schema: CreatePosSchema, required: true, example: CREATE_POS_EXAMPLE },
    responses: {
      200: json(PosSchema, "an identical replay", POS_EXAMPLE),
      201: json(PosSchema, "the POS with its QR links", POS_EXAMPLE),
      ...errors([400, ...AUTHENTICATED, 404, 409, 413, 415, 502, 504]),
    },
  },
  {
    method: "get",
    path: "/pos",
    summary: "The POS registered here",
    tag: "stores",
    query: { schema: ListPosQuerySchema },
    responses: {
      200: json(PosListSchema, "the POS", { data: [POS_EXAMPLE] }),
      ...errors([400, ...AUTHENTICATED]),
    },
  },
  {
    method: "get",
    path: "/pos/{pos_id}",
    summary: "A POS",
    tag: "stores",
    responses: {
      200: json(PosSchema, "the POS", POS_EXAMPLE),
      ...errors([...AUTHENTICATED, 404]),
    },
  },
  {
    method: "get",
    path: "/display/{pos_id}/info",
    summary: "The names a customer display shows while idle",
    description:
      "A POS key may read its own POS's (403 naming its own till for another); staff and " +
      "full keys any.",
    tag: "stores",
    responses: {
      200: json(DisplayInfoSchema, "the POS's and its store's names", DISPLAY_INFO_EXAMPLE),
      ...errors([...AUTHENTICATED, 404]),
    },
  },
  {
    method: "get",
    path: "/pos/{pos_id}/qr.png",
    summary: "The POS's QR as a PNG (512 px)",
    tag: "stores",
    responses: { 200: { description: "the QR", content: { "image/png": binary() } }, ...QR_ERRORS },
  },
  {
    method: "get",
    path: "/pos/{pos_id}/qr.svg",
    summary: "The POS's QR as SVG",
    tag: "stores",
    responses: {
      200: { description: "the QR", content: { "image/svg+xml": text() } },
      ...QR_ERRORS,
    },
  },
  {
    method: "get",
    path: "/pos/{pos_id}/qr.pdf",
    summary: "The POS's QR on a printable A5 sheet",
    tag: "stores",
    responses: {
      200: { description: "the sheet", content: { "application/pdf": binary() } },
      ...QR_ERRORS,
    },
  },
];
