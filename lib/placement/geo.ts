/**
 * Distances and round-trip times between sites and user locations.
 */
import type { SiteModel } from '../model/fleet';
import type { GeoPoint } from '../model/workload';

const EARTH_RADIUS_KM = 6371;

/** Great-circle distance in km (haversine formula on a sphere of radius 6371 km). */
export function greatCircleKm(a: GeoPoint, b: GeoPoint): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * Estimated RTT in ms from great-circle distance: `5 ms + 1 ms per 100 km`. Light in fibre covers
 * about 100 km per ms one way (200 km per ms round trip); real routes are roughly twice the
 * great-circle path, and 5 ms covers access links and switching.
 */
export function estimatedRttMs(a: GeoPoint, b: GeoPoint): number {
  return 5 + greatCircleKm(a, b) / 100;
}

/** RTT from a site to another site or a location: measured (`rttMs` of either site) when known, else estimated. */
export function rttTo(site: SiteModel, to: string | GeoPoint, sites: readonly SiteModel[]): { ms: number; measured: boolean } {
  if (typeof to === 'string') {
    if (to === site.name) return { ms: 0, measured: true };
    const other = sites.find((s) => s.name === to);
    const m = site.rttMs[to] ?? other?.rttMs[site.name];
    if (m !== undefined) return { ms: m, measured: true };
    return { ms: other ? estimatedRttMs(site.location, other.location) : Number.POSITIVE_INFINITY, measured: false };
  }
  return { ms: estimatedRttMs(site.location, to), measured: false };
}
