// Numbers as the reader writes them: percents, counts and amounts in the page's language.

const DIGITS = { PERCENT: 1, COUNT: 0, CURRENCY: 0 };

/** A value of `unit` (the API's Unit) in `language`; an empty string for no value. */
export function formatValue(value, unit, language) {
  if (value === null || value === undefined) return "";
  if (unit === "PERCENT") {
    return new Intl.NumberFormat(language, {
      style: "percent",
      maximumFractionDigits: DIGITS.PERCENT,
    }).format(value / 100);
  }
  return new Intl.NumberFormat(language, {
    maximumFractionDigits: DIGITS[unit] ?? 2,
  }).format(value);
}

/** A gap between two values of `unit`: percentage points for percents. */
export function formatGap(value, unit, language) {
  const digits = unit === "PERCENT" ? 1 : (DIGITS[unit] ?? 2);
  return new Intl.NumberFormat(language, { maximumFractionDigits: digits }).format(value);
}
