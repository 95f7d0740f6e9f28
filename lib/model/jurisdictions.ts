/**
 * Jurisdictions: ISO 3166-1 alpha-2 country codes, and the blocs derived from them.
 * A site's jurisdiction is a country code; residency rules may name a country or a bloc.
 */

/** ISO 3166-1 alpha-2 officially assigned codes. */
const ISO_3166_ALPHA2 = (
  'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ ' +
  'CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR ' +
  'GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP ' +
  'KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT ' +
  'MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW ' +
  'SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG ' +
  'UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW'
).split(' ');

const COUNTRIES = new Set(ISO_3166_ALPHA2);

/** European Union member states (27). */
const EU = 'AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK'.split(' ');
/** European Economic Area: the EU plus Iceland, Liechtenstein and Norway. */
const EEA = [...EU, 'IS', 'LI', 'NO'];

/** Blocs a residency rule may name instead of listing countries. */
export const BLOCS: Readonly<Record<string, readonly string[]>> = {
  EU,
  EEA,
  /** United States–Mexico–Canada Agreement area. */
  USMCA: ['CA', 'MX', 'US'],
};

export function isCountryCode(code: string): boolean {
  return COUNTRIES.has(code);
}

export function countryCodes(): readonly string[] {
  return ISO_3166_ALPHA2;
}

/** True when `name` is a country code or a known bloc. */
export function isJurisdiction(name: string): boolean {
  return COUNTRIES.has(name) || Object.prototype.hasOwnProperty.call(BLOCS, name);
}

/** Every name a site in `country` answers to: the country itself, then the blocs it belongs to (sorted). */
export function jurisdictionsOf(country: string): string[] {
  const blocs = Object.keys(BLOCS)
    .filter((b) => BLOCS[b]!.includes(country))
    .sort();
  return [country, ...blocs];
}

/** True when a site in `country` satisfies a rule that allows `allowed` (countries and/or blocs). */
export function jurisdictionAllowed(country: string, allowed: readonly string[]): boolean {
  const names = jurisdictionsOf(country);
  return allowed.some((a) => names.includes(a));
}
