export * from './fleet';
export * from './site';
export * from './folder-chart';
export * from './gpu-operator-stack';
export * from './gpu-tenant';
