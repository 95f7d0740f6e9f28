/** Flower facts used by the wiring (verified against Flower 1.27.0; see STACK.md section 10). */
export const FLOWER_VERSION = '1.27.0';
export const FLOWER_PORTS = { serverAppIo: 9091, fleet: 9092, control: 9093, clientAppIo: 9094 } as const;
export const FLOWER_IMAGES = {
  superlink: `flwr/superlink:${FLOWER_VERSION}`,
  supernode: `flwr/supernode:${FLOWER_VERSION}`,
  superexec: `flwr/superexec:${FLOWER_VERSION}`,
} as const;
/** User id of the `app` user in Flower's images; used as fsGroup so the state volume is writable. */
export const FLOWER_APP_UID = 49999;
/** Where TLS files are mounted; keys follow the kubernetes.io/tls + ca.crt layout (what cert-manager writes). */
export const CERT_DIR = '/app/certificates';
export const AUTH_DIR = '/app/auth';
export const STATE_DIR = '/app/state';
/** Label whose value names a Flower component: superlink, supernode, superexec-serverapp. */
export const COMPONENT_LABEL = 'app.kubernetes.io/component';
/** Label whose value is the federated job's name. */
export const JOB_LABEL = 'k0smos.io/flower-job';
