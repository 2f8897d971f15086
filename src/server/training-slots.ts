// Trainings in flight, per token: AutoML holds the worker pool for up to `timeout` seconds, so one
// token starting many at once would queue everyone else's behind its own. A training past the
// token's limit is refused at once (BusyError), never queued.
import { BusyError } from './errors.js';

export class TrainingSlots {
  readonly #byToken = new Map<string, number>();
  #inFlight = 0;

  constructor(readonly perToken: number) {}

  /** Takes a slot for the token, or throws BusyError; the returned function gives it back once. */
  acquire(tokenId: string): () => void {
    const held = this.#byToken.get(tokenId) ?? 0;
    if (held >= this.perToken) {
      throw new BusyError(
        `this token already runs ${held} training(s), the most allowed at once (maxTrainingsPerToken = ${this.perToken}); try again when one has finished`,
      );
    }
    this.#byToken.set(tokenId, held + 1);
    this.#inFlight++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#inFlight--;
      const left = (this.#byToken.get(tokenId) ?? 1) - 1;
      if (left > 0) this.#byToken.set(tokenId, left);
      else this.#byToken.delete(tokenId);
    };
  }

  /** Trainings running now, all tokens together. */
  get inFlight(): number {
    return this.#inFlight;
  }
}
