// ISO 4217 currencies in circulation, with their minor units (decimal places). An amount in a
// currency never carries more decimals than the currency has: 10.5 JPY or 1.005 USD is refused.
// Fund and precious-metal codes (XAU, XDR, …) are left out: growers are not paid in them.

const MINOR_UNITS_0 = 'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF';
const MINOR_UNITS_3 = 'BHD IQD JOD KWD LYD OMR TND';
const MINOR_UNITS_4 = 'CLF UYW';
const MINOR_UNITS_2 =
  'AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW ' +
  'CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ' +
  'ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV ' +
  'MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD ' +
  'SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG';

const MINOR_UNITS = new Map<string, number>(
  (
    [
      [MINOR_UNITS_0, 0],
      [MINOR_UNITS_2, 2],
      [MINOR_UNITS_3, 3],
      [MINOR_UNITS_4, 4],
    ] as const
  ).flatMap(([codes, units]) => codes.split(' ').map((code) => [code, units] as [string, number])),
);

/** Decimal places of an ISO 4217 currency, or undefined when the code is not a currency in circulation. */
export function minorUnits(code: string): number | undefined {
  return MINOR_UNITS.get(code);
}

export function isCurrency(code: string): boolean {
  return MINOR_UNITS.has(code);
}
