// The alias a training on request registers its model under: `<consumerid>_json`, as VIPER named its
// algokeys, so the latest model trained by a consumer id replaces the previous one as the champion
// of that alias. `algo` adds the algorithm's short name (seed: `rdg` ridge, `gp`, `lgt` logistic).
const ALGORITHM_SUFFIX: Record<string, string> = { ridge: 'rdg', gp: 'gp', logistic: 'lgt' };

export function modelAlias(consumerId: string): string {
  return `${consumerId}_json`;
}

export function modelAlgo(alias: string, algorithm: string): string {
  return alias === '' ? '' : `${alias}${ALGORITHM_SUFFIX[algorithm] ?? algorithm}`;
}
