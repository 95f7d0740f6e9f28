/** Filter: round-trip time from the site to the workload's target (a site or a user location). */
import { rttTo } from '../geo';
import type { FilterPlugin } from './plugin';

export const latency: FilterPlugin = {
  name: 'latency',
  site(w, site, ctx) {
    if (!w.latency) return undefined;
    const { ms, measured } = rttTo(site, w.latency.to, ctx.fleet.sites);
    if (ms <= w.latency.maxRttMs) return undefined;
    const target = typeof w.latency.to === 'string' ? w.latency.to : `(${w.latency.to.lat}, ${w.latency.to.lon})`;
    return `RTT to ${target} is ${Math.round(ms * 10) / 10} ms (${measured ? 'measured' : 'estimated from distance'}), bound ${w.latency.maxRttMs} ms`;
  },
};
