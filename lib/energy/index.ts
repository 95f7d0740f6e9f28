export * from './signals';
export * from './schedule';
export * from './synthetic';
export * from './read';
export * from './horizon';
