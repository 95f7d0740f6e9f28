export * from './fleet';
export * from './site';
export * from './folder-chart';
export * from './k0s-cluster';
export * from './cluster-addon';
export * from './credential';
export * from './region';
export * from './cilium-mesh';
