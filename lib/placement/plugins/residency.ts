/** Filter: data residency. A site qualifies when its country, or a bloc it belongs to, is allowed. */
import { jurisdictionAllowed } from '../../model/jurisdictions';
import type { FilterPlugin } from './plugin';

export const residency: FilterPlugin = {
  name: 'residency',
  site(w, site) {
    if (!w.allowedJurisdictions || jurisdictionAllowed(site.jurisdiction, w.allowedJurisdictions)) return undefined;
    return `jurisdiction ${site.jurisdiction} not in [${w.allowedJurisdictions.join(', ')}]`;
  },
};
