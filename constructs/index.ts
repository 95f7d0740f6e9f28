export * from './fleet';
export * from './site';
export * from './folder-chart';
export * from './cilium-mesh';
