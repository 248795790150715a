// The public shapes of stores and POS as the API answers them. Imports no module of the state.

export interface Store {
  id: string;
  name: string;
  external_id: string;
  date_created: string;
  business_hours: Record<string, unknown>;
  location: {
    address_line: string;
    latitude: number | null;
    longitude: number | null;
    reference: string | null;
  };
}

/** A POS as the API returns it, without the `qr` block (it needs the public base URL). */
export interface PosInfo {
  id: number;
  name: string;
  fixed_amount: boolean;
  category: number | null;
  store_id: string;
  external_store_id: string;
  external_id: string;
  status: "active";
  uuid: string;
  user_id: number;
  date_created: string;
  date_last_updated: string;
}
