/**
 * Dynamic Resource Allocation (resource.k8s.io): a DeviceClass per GPU vendor and ResourceClaimTemplates
 * for GPU requests, written in the API version the cluster's Kubernetes minor serves.
 */
import type { ValidationIssue } from '../model/errors';
import type { GpuVendor } from '../model/gpu-models';
import type { K8sObject } from '../synth/objects';

/** The DRA drivers that publish the vendors' GPUs as devices. */
export const DRA_DRIVER: Readonly<Record<GpuVendor, string>> = { nvidia: 'gpu.nvidia.com', amd: 'gpu.amd.com' };

/**
 * DeviceClasses a vendor's DRA driver chart creates itself, which claims use instead of a class of ours. The
 * NVIDIA DRA driver creates `gpu.nvidia.com` (whole GPUs; also `mig.nvidia.com`, `vfio.gpu.nvidia.com`) when
 * `resources.gpus.enabled` (kubernetes-sigs/dra-driver-nvidia-gpu@v0.4.1 templates/deviceclass-gpu.yaml; PROVENANCE.md).
 */
export const CHART_DEVICE_CLASS: Readonly<Partial<Record<GpuVendor, string>>> = { nvidia: 'gpu.nvidia.com' };

/** Parses `1.34`, `v1.34.2` or `1.34.2+k0s.0` into its minor, or undefined. */
export function kubernetesMinor(version: string): number | undefined {
  const m = /^v?1\.(\d+)(?:\.\d+)?(?:[-+].*)?$/.exec(version.trim());
  return m ? Number(m[1]) : undefined;
}

/**
 * The resource.k8s.io version for a Kubernetes version: `v1` from 1.34 (DRA GA), `v1beta1` on 1.32
 * and 1.33; older clusters have no usable DRA API and get an error.
 */
export function draApiVersion(kubernetesVersion: string, path: string): { apiVersion?: string; issues: ValidationIssue[] } {
  const minor = kubernetesMinor(kubernetesVersion);
  if (minor === undefined) return { issues: [{ path, message: `'${kubernetesVersion}' is not a Kubernetes version such as 1.34 or v1.34.2` }] };
  if (minor >= 34) return { apiVersion: 'resource.k8s.io/v1', issues: [] };
  if (minor >= 32) return { apiVersion: 'resource.k8s.io/v1beta1', issues: [] };
  return { issues: [{ path, message: `Dynamic Resource Allocation needs Kubernetes 1.32 or later (resource.k8s.io/v1beta1; v1 from 1.34); got ${kubernetesVersion}. Drop dra or upgrade the cluster` }] };
}

/** The DeviceClass name of a vendor's whole GPUs: the driver chart's own where it creates one, else ours (`k0smos-<vendor>-gpu`). */
export function deviceClassName(vendor: GpuVendor): string {
  return CHART_DEVICE_CLASS[vendor] ?? `k0smos-${vendor}-gpu`;
}

/**
 * The ResourceQuota resource that counts the devices a namespace's claims request from a DeviceClass
 * (`<class>.deviceclass.resource.k8s.io/devices`, no `requests.` prefix; kubernetes/kubernetes "DRA quota").
 * Under DRA the device plugin is off, so a quota on `nvidia.com/gpu` would count nothing.
 */
export function deviceClassQuotaResource(vendor: GpuVendor): string {
  return `${deviceClassName(vendor)}.deviceclass.resource.k8s.io/devices`;
}

/** True for a quota resource name that counts DRA devices (written without `requests.`). */
export function isDeviceClassQuotaResource(resource: string): boolean {
  return resource.endsWith('.deviceclass.resource.k8s.io/devices');
}

/** A DeviceClass selecting every device the vendor's DRA driver publishes. */
export function deviceClass(apiVersion: string, vendor: GpuVendor, labels: Record<string, string>): K8sObject {
  return {
    apiVersion,
    kind: 'DeviceClass',
    metadata: { name: deviceClassName(vendor), labels },
    spec: { selectors: [{ cel: { expression: `device.driver == '${DRA_DRIVER[vendor]}'` } }] },
  };
}

/** A ResourceClaimTemplate asking for `count` GPUs of a vendor, in the shape of the API version. */
export function resourceClaimTemplate(apiVersion: string, o: { name: string; namespace: string; vendor: GpuVendor; count: number; labels: Record<string, string> }): K8sObject {
  const request =
    apiVersion === 'resource.k8s.io/v1'
      ? { name: 'gpus', exactly: { deviceClassName: deviceClassName(o.vendor), allocationMode: 'ExactCount', count: o.count } }
      : { name: 'gpus', deviceClassName: deviceClassName(o.vendor), allocationMode: 'ExactCount', count: o.count };
  return {
    apiVersion,
    kind: 'ResourceClaimTemplate',
    metadata: { name: o.name, namespace: o.namespace, labels: o.labels },
    spec: { spec: { devices: { requests: [request] } } },
  };
}
