import type { SaleStatus } from "./sale-status.ts";

/** A stored item: what the POS sent, with its unit price in cents. */
export interface SaleItem {
  title: string;
  unitPriceCents: number;
  quantity: number;
  unitMeasure: string;
  skuNumber?: string;
  category?: string;
  description?: string;
}

export interface SalePayment {
  id: number;
  status: string;
  amount: number;
}

/** The service's view of a sale (the repository maps rows to this; nothing else sees Prisma). */
export interface Sale {
  id: string;
  externalReference: string;
  storeId: string;
  posId: string;
  title: string;
  description: string;
  items: SaleItem[];
  taxes: { type: string; valueCents: number }[] | null;
  totalCents: number;
  status: SaleStatus;
  merchantOrderId: number | null;
  merchantOrderStatus: string | null;
  paidCents: number;
  payments: SalePayment[];
  requestHash: string;
  expiresAt: Date;
  paidAt: Date | null;
  cancelledAt: Date | null;
  nextCheckAt: Date;
  checkAttempts: number;
  createdAt: Date;
  updatedAt: Date;
}

export type SaleEventSource = "create" | "webhook" | "reconcile" | "staff" | "expiry";

export interface SaleEvent {
  from: SaleStatus | null;
  to: SaleStatus;
  source: SaleEventSource;
  merchantOrderId: number | null;
  detail: unknown;
  at: Date;
}
