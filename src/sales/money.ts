// The money helpers live in src/money.ts, shared with the Mercado Pago adapters (which import
// nothing from sales/); re-exported here for the sales code that has always found them here.
export { centsFromApi, fromCents, toCents } from "../money.ts";
