/**
 * Host paths of a k0s node that GPU operators must be told about (ADDONS.md section 0): kubelet runs under
 * k0s's data dir. Device-plugin sockets are the exception: kubelet keeps them at /var/lib/kubelet/device-plugins
 * whatever its root (kubernetes/kubernetes#120626), so device-plugin paths stay at their defaults.
 */

/** k0s's kubelet root directory (`<data-dir>/kubelet`). */
export const K0S_KUBELET_ROOT = '/var/lib/k0s/kubelet';

/** kubelet's pod-resources socket folder on k0s (metrics exporters map GPUs to pods through it). */
export const K0S_POD_RESOURCES = `${K0S_KUBELET_ROOT}/pod-resources`;

/** Where CSI and DRA kubelet plugins register on k0s (kubelet's `plugins_registry`). */
export const K0S_PLUGINS_REGISTRY = `${K0S_KUBELET_ROOT}/plugins_registry`;

/** Where CSI and DRA kubelet plugins put their sockets on k0s (kubelet's `plugins`). */
export const K0S_PLUGINS = `${K0S_KUBELET_ROOT}/plugins`;
