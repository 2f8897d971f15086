// What fitting a champion's configuration again costs, for `retrain.refresh`'s inline refits: the
// automl layer's estimate, and for an ensemble the sum of its members' (that estimate has no case
// for ensembles and answers its small default, while a member may be a 50-tree forest).
import { estimatedCostNs, INLINE_CANDIDATE_NS, type ModelJSON } from '../automl/index.js';

/**
 * An inline refresh is made only for a champion whose fit on the window is estimated below this:
 * the automl layer's bound for fitting on the calling thread (linear models, k-NN, CART and a GP
 * on micro-model windows). A dearer champion (tree ensembles, a GP on hundreds of rows) is left to
 * the background retrain, so a refresh never holds the row path for much more than that.
 */
export const INLINE_REFRESH_MAX_NS = INLINE_CANDIDATE_NS;

type Configuration = Pick<ModelJSON, 'algorithm' | 'hyperparameters'>;

export class RefitCost {
  /** The member list of the latest ensemble asked about, parsed once (its refreshes keep it). */
  #members?: { text: string; members: Configuration[] };

  /** The estimated cost in ns of fitting `config` on `rows` × `features`. */
  estimateNs(config: Configuration, rows: number, features: number): number {
    const text = config.hyperparameters.members;
    if (config.algorithm === 'ensemble' && typeof text === 'string') {
      let sum = 0;
      for (const member of this.membersOf(text)) sum += this.estimateNs(member, rows, features);
      return sum;
    }
    return estimatedCostNs({ index: 0, ...config }, rows, features);
  }

  private membersOf(text: string): Configuration[] {
    if (this.#members?.text !== text) {
      let members: Configuration[];
      try {
        const parsed = JSON.parse(text) as unknown;
        members = Array.isArray(parsed) ? (parsed as Configuration[]) : [];
      } catch {
        members = [];
      }
      // an unreadable list: the refit itself names the problem (and nothing is published)
      if (members.length === 0) members = [{ algorithm: 'unreadable ensemble', hyperparameters: {} }];
      this.#members = { text, members };
    }
    return this.#members.members;
  }
}
