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
export * from './lib/model/cluster';
export * from './lib/model/cluster-templates';
export * from './lib/model/ip-plan';
export * from './lib/model/k0s-version';
export { readFleetFile, parseFleetText, readInventoryCsv } from './lib/model/load';
export * from './lib/model/profile';
export * from './lib/model/fleet-workload';
export { fleetFileSchema, expandFleetFile, validateFleetFile, fleetFileJsonSchema, type FleetFileSpec, type ExpandedFleetFile } from './lib/model/fleet-file';
export { parseCsv, type CsvTable, type CsvRecord } from './lib/model/csv';
export type { K8sObject, Target, PlacedObject, AuxFile } from './lib/synth/objects';
export { renderTree, type FileTree, type RenderInput, type SiteCluster } from './lib/synth/render';
export { treeSnapshot } from './lib/synth/snapshot';
export { layerOf, layerOfObject, LAYERS, type Layer } from './lib/synth/layer';
export { applyUnits, type ApplyUnit } from './lib/synth/units';
export { HOSTED_SIZES, SIZE_PRESETS, resolveSizing, sizingDemand, cpuMillis, memoryMiB, type HostedSize, type ControlPlaneSizing, type ResourceQuantities } from './lib/k0smotron/sizing';
export { planHosting, chooseHost, hostCapacity, defaultReserve, type HostCandidate, type HostedRequest, type HostingPlan, type HostUsage, type HostedAssignment, type Exposure, type AssignedBy } from './lib/k0smotron/hosting';
export { allocateNodePorts, readNodePortState, renderNodePortState, NODEPORTS_FILE, DEFAULT_NODEPORT_RANGE, K0SMOTRON_DEFAULT_PORTS, type NodePortEntry, type NodePortState, type NodePortHost, type NodePortRequest, type NodePortAllocation } from './lib/k0smotron/nodeports';
export { writeTreeAtomically, readTree, settleOutput, incompleteSwap, hasFlatLayout, OWNED_ENTRIES, type WriteOptions, type WriteResult } from './lib/synth/writer';
export { readRolloutBase, type RolloutBase, type RolloutBaseSource } from './lib/rollout/base';
export { windowAt, autopilotWindow, sveltosWindow, argoSyncWindow, describeWindow, zoneOffsets, WEEKDAYS } from './lib/rollout/window';
export { chooseCanaries, coverageScore, type CanaryCandidate, type CanaryChoice } from './lib/rollout/canaries';
export { SVELTOS_PROMOTION_VERSION } from './lib/gitops/engines';
export { SchemaRegistry } from './lib/validate/schemas';
export { defaultDocumentSchemas, k0sctlDocumentSchema } from './lib/validate/k0sctl-schema';
export { ClusterTemplateSchemas, checkTemplateConfig } from './lib/validate/template-values';
export { validateDirectory, validateDocument, validateYamlText, formatFailure, findSchemasDir, type ConformanceFailure } from './lib/validate/validate';
export * from './lib/energy';
export { buildFlowerObjects, formatNodeConfig, fleetAddress, type FlowerSpec, type FlowerFlow, type FlowerEnd, type FlowerPods, type FlowerObjects, type GpuResources } from './lib/flower/objects';
export { checkFlowerWiring } from './lib/flower/wiring';
export { checkFlows, describeEndpoint, describePorts, resolveFlows, uniqueFlows, type FlowCluster, type FlowEndpoint, type FlowPort, type FlowProtocol, type FlowSpec, type PlacedClusters, type ResolvedEndpoint, type ResolvedFlow } from './lib/net/flows';
export { kedaScaledObject, scalingCronJobs, cronAt } from './lib/flower/scaling';
export { FLOWER_VERSION, FLOWER_PORTS, FLOWER_IMAGES } from './lib/flower/constants';
export type { PlacementNeeds, WorkloadTarget } from './lib/workloads/needs';
export * from './lib/model/workload';
export * from './lib/placement';
export { imageList, imageListWarnings, normalizeImage, objectImages, IMAGE_LIST_FILE, type FoundImage, type ImageListInput } from './lib/airgap/images';
export { k0sImages, knownK0sImageReleases, K0S_IMAGES, K0S_IMAGE_REPOSITORIES, type K0sComponentImages, type K0sImageOptions, type K0sImages } from './lib/airgap/k0s-images';
export { chartImages, bundleImages, CHART_IMAGES, type ChartImages } from './lib/airgap/chart-images';
