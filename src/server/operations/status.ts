// areyoubusy: VIPER's load-balancing probe ("a list of available VIPER and HPDE with their HOST and
// PORT"). The AutoML engine runs in-process, so both entries name this server.
import type { ServerServices } from './context.js';

export interface ServerStatus {
  host: string;
  port: number;
  inFlight: number;
  busy: boolean;
  backbone: string;
  /** Trainings running now, all tokens together. */
  trainings: number;
  maxTrainingsPerToken: number;
  /**
   * The training engine (VIPER's HPDE) is busy: as many trainings run as one token may run, so a
   * client sharing one token (VIPER's usual set-up) would be refused a new one. areyoubusy carries
   * no token, so it cannot say more for a particular token.
   */
  trainingBusy: boolean;
}

/** Above this many requests in flight the server calls itself busy. */
export const BUSY_THRESHOLD = 64;

export function status(services: ServerServices): ServerStatus {
  const { host, port } = services.address();
  const inFlight = services.inFlight();
  const trainings = services.trainings?.inFlight ?? 0;
  const maxTrainingsPerToken = services.limits.maxTrainingsPerToken;
  const busy = inFlight > BUSY_THRESHOLD;
  return {
    host,
    port,
    inFlight,
    busy,
    backbone: services.backbone.kind,
    trainings,
    maxTrainingsPerToken,
    trainingBusy: busy || trainings >= maxTrainingsPerToken,
  };
}
