import { fitsCurrency, maxTotalCents, type SiteProfile } from "../sites.ts";
import { toCents } from "../money.ts";

/**
 * What a sale's money must be in its currency, beyond the schema's two decimals and bounds: whole
 * units for CLP and COP (Mercado Pago: "Prices in COP currency must be expressed with integer
 * values"), taxes likewise, and a total within the currency's own cap (sites.ts). Pure: the
 * field and the currency are named, as the answer to the till must be.
 */
export interface CurrencyProblem {
  path: string;
  message: string;
}

type Profile = Pick<SiteProfile, "currency" | "decimals" | "maxTotal">;

function wholeUnits(profile: Profile): string {
  return `must be a whole number: ${profile.currency} has no decimals`;
}

export function currencyProblems(
  sale: {
    items: { unit_price: number; quantity: number }[];
    taxes?: { value: number }[] | undefined;
  },
  profile: Profile,
): CurrencyProblem[] {
  const problems: CurrencyProblem[] = [];
  let total = 0;
  sale.items.forEach((item, i) => {
    const cents = toCents(item.unit_price) ?? 0;
    total += cents * item.quantity;
    if (!fitsCurrency(cents, profile)) {
      problems.push({ path: `items.${i}.unit_price`, message: wholeUnits(profile) });
    }
  });
  sale.taxes?.forEach((tax, i) => {
    if (!fitsCurrency(toCents(tax.value) ?? 0, profile)) {
      problems.push({ path: `taxes.${i}.value`, message: wholeUnits(profile) });
    }
  });
  if (total > maxTotalCents(profile)) {
    problems.push({
      path: "items",
      message: `total must be at most ${profile.maxTotal} ${profile.currency}`,
    });
  }
  return problems;
}

/** An amount (a refund's) in this currency: null when it fits, else why not. */
export function amountProblem(cents: number, profile: Profile): string | null {
  return fitsCurrency(cents, profile) ? null : wholeUnits(profile);
}
