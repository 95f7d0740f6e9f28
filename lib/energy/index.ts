export * from './signals';
export * from './schedule';
export * from './synthetic';
