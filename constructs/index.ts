export * from './fleet';
export * from './site';
export * from './folder-chart';
export * from './workload-target';
export * from './federated-learning-job';
export * from './training-job';
export * from './inference-service';
