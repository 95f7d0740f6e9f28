import { applyUnits } from '../../lib/synth/units';

describe('apply units', () => {
  it('applies each cluster\'s infra before its apps, and the management plane after the management cluster\'s infra, fleet-wide objects first', () => {
    const units = applyUnits(
      [
        { kind: 'management-cluster', cluster: 'qc' },
        { kind: 'cluster', site: 'quebec', cluster: 'qc' },
        { kind: 'management' },
        { kind: 'cluster', site: 'frankfurt', cluster: 'fra' },
      ],
      [{ site: 'frankfurt', cluster: 'fra' }],
    );
    expect(units).toEqual([
      { path: 'sites/frankfurt/fra/infra', cluster: 'frankfurt/fra', dependsOn: [] },
      { path: 'sites/frankfurt/fra/apps', cluster: 'frankfurt/fra', dependsOn: ['sites/frankfurt/fra/infra'] },
      { path: 'sites/quebec/qc/infra', cluster: 'quebec/qc', dependsOn: [] },
      { path: 'sites/quebec/qc/apps', cluster: 'quebec/qc', dependsOn: ['sites/quebec/qc/infra'] },
      { path: 'management/fleet/infra', cluster: 'frankfurt/fra', dependsOn: ['sites/frankfurt/fra/infra'] },
      { path: 'management/fleet/apps', cluster: 'frankfurt/fra', dependsOn: ['management/fleet/infra'] },
      { path: 'management/clusters/qc/infra', cluster: 'frankfurt/fra', dependsOn: ['management/fleet/infra'] },
      { path: 'management/clusters/qc/apps', cluster: 'frankfurt/fra', dependsOn: ['management/clusters/qc/infra'] },
    ]);
    // Every unit comes after those it depends on.
    units.forEach((u, i) => u.dependsOn.forEach((d) => expect(units.findIndex((x) => x.path === d)).toBeLessThan(i)));
  });

  it('says "management" when the fleet cannot tell which cluster runs the management plane', () => {
    const units = applyUnits([{ kind: 'management' }], []);
    expect(units).toEqual([
      { path: 'management/fleet/infra', cluster: 'management', dependsOn: [] },
      { path: 'management/fleet/apps', cluster: 'management', dependsOn: ['management/fleet/infra'] },
    ]);
  });

  it("applies a hosted control plane's management folder to the region's cluster that runs it, after that cluster's infra", () => {
    const targets = [
      { kind: 'management-cluster' as const, cluster: 'qc' },
      { kind: 'management-cluster' as const, cluster: 'shop' },
      { kind: 'cluster' as const, site: 'frankfurt', cluster: 'fra' },
      { kind: 'cluster' as const, site: 'lyon', cluster: 'west' },
      { kind: 'management' as const },
    ];
    const units = applyUnits(targets, [{ site: 'frankfurt', cluster: 'fra' }], new Map([['shop', { site: 'lyon', cluster: 'west' }], ['qc', { site: 'frankfurt', cluster: 'fra' }]]));
    expect(units.filter((u) => u.path.startsWith('management/clusters/'))).toEqual([
      { path: 'management/clusters/qc/infra', cluster: 'frankfurt/fra', dependsOn: ['management/fleet/infra'] },
      { path: 'management/clusters/qc/apps', cluster: 'frankfurt/fra', dependsOn: ['management/clusters/qc/infra'] },
      { path: 'management/clusters/shop/infra', cluster: 'lyon/west', dependsOn: ['management/fleet/infra', 'sites/lyon/west/infra'] },
      { path: 'management/clusters/shop/apps', cluster: 'lyon/west', dependsOn: ['management/clusters/shop/infra'] },
    ]);
    units.forEach((u, i) => u.dependsOn.forEach((d) => expect(units.findIndex((x) => x.path === d)).toBeLessThan(i)));
  });
});
