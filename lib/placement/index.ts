export { place, parseWorkloads, objectiveOf } from './place';
export { checkPlacement, type Violation } from './check';
export { loadHighs } from './highs';
export { renderPlacementJson, renderPlacementMarkdown, placementFiles, readPreviousPlacement } from './report';
export type * from './types';
