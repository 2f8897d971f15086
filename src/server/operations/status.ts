// areyoubusy: VIPER's load-balancing probe ("a list of available VIPER and HPDE with their HOST and
// PORT"). The AutoML engine runs in-process, so both entries name this server.
import type { ServerServices } from './context.js';

export interface ServerStatus {
  host: string;
  port: number;
  inFlight: number;
  busy: boolean;
  backbone: string;
}

/** Above this many requests in flight the server calls itself busy. */
export const BUSY_THRESHOLD = 64;

export function status(services: ServerServices): ServerStatus {
  const { host, port } = services.address();
  const inFlight = services.inFlight();
  return { host, port, inFlight, busy: inFlight > BUSY_THRESHOLD, backbone: services.backbone.kind };
}
