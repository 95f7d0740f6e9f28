/**
 * cdk8s-k0smos: typed constructs, fleet model, placement and synthesis for geo-distributed AI fleets
 * on k0s, k0smotron and k0rdent.
 */
export * from './constructs';
export * from './lib/model/fleet';
export * from './lib/model/gpu-models';
export * from './lib/model/jurisdictions';
export * from './lib/model/errors';
export * from './lib/model/labels';
export { readFleetFile, parseFleetText } from './lib/model/load';
export type { K8sObject, Target, PlacedObject, AuxFile } from './lib/synth/objects';
export { renderTree, type FileTree } from './lib/synth/render';
export { writeTreeAtomically, readTree } from './lib/synth/writer';
export { SchemaRegistry } from './lib/validate/schemas';
export { validateDirectory, validateDocument, validateYamlText, formatFailure, findSchemasDir, type ConformanceFailure } from './lib/validate/validate';
export * from './lib/model/workload';
export * from './lib/placement';
