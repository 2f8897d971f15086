// Size caps of tree models. A model travels as one Kafka record, and Kafka's default maximum
// message size (broker `message.max.bytes`, producer `max.request.size`) is about 1 MB.
//
// Each node costs 5 × 4 bytes (feature, threshold, left, right, value), i.e. 26.7 base64
// characters, so the whole ensemble is capped at MAX_TREE_NODES = 24,576 nodes ≈ 656 KB of base64,
// leaving room for the rest of the model JSON. A tree with L leaves has 2L − 1 nodes, hence:
//
//   leaves per tree ≤ floor((24,576 / trees + 1) / 2)
//
//   | model                          | trees | leaves/tree cap | max depth that fits fully |
//   | CART                           |     1 |          12,288 | 13                        |
//   | random forest                  |    50 |             246 | 7 (deeper trees stop at 246 leaves, best gains first) |
//   | random forest                  |   100 |             123 | 6                         |
//   | random forest                  |   300 |              41 | 5                         |
//   | GBDT, 100 rounds, depth 5      |   100 |  32 (uncapped)  | 5 → 6,300 nodes ≈ 170 KB  |
//   | GBDT, 1,000 rounds             | 1,000 |              12 | 3                         |
//
// When a requested depth or leaf count exceeds the cap, trees grow leaf-wise (largest gain first)
// up to the cap: a documented fallback, visible as `leafCap` in the model parameters and, when a
// tree actually stopped there, as a `fallbacks` entry that the model wrapper reports. More trees
// than MAX_TREE_NODES / 3 (each needs at least one split) are refused.

export const MAX_TREE_NODES = 24_576;

/** Most trees an ensemble may have: each must be able to hold one split (3 nodes). */
export const MAX_TREES = Math.floor(MAX_TREE_NODES / 3);

/** Leaves each of `trees` trees may have so that the ensemble stays within MAX_TREE_NODES. */
export function leafCap(trees: number): number {
  return Math.max(2, Math.floor((MAX_TREE_NODES / trees + 1) / 2));
}

/** The fallback to report when a tree of an ensemble of `trees` stopped growing at the node budget. */
export function leafCapFallback(algorithm: string, trees: number): string {
  return (
    `${algorithm}: trees stopped at ${leafCap(trees)} leaves each (largest gains first) so that ` +
    `${trees} trees stay within ${MAX_TREE_NODES} nodes, under Kafka's 1 MB default record size`
  );
}
