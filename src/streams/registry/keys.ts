// Where the registry keeps what, in its compacted topic. Runners write these keys inside their
// transactions, so the layout is part of the registry's public surface.

/** Versions and drift events kept per entity; older ones are tombstoned as new ones come. */
export const REGISTRY_HISTORY = 20;

/** A solution's registry prefix: a solution deleted and created again starts a new history. */
export function incarnation(entry: { name: string; createdAt: number }): string {
  return `${entry.name}.${entry.createdAt}`;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

export const registryKeys = {
  solution: (solution: string): string => `m/${solution}/`,
  entity: (solution: string, entity: string): string => `m/${solution}/${encodeURIComponent(entity)}/`,
  state: (solution: string, entity: string): string => `${registryKeys.entity(solution, entity)}state`,
  version: (solution: string, entity: string, version: number): string =>
    `${registryKeys.entity(solution, entity)}v/${pad(version, 10)}`,
  drift: (solution: string, entity: string, index: number): string =>
    `${registryKeys.entity(solution, entity)}drift/${pad(index, 10)}`,
  alias: (alias: string): string => `a/${encodeURIComponent(alias)}`,
  aliases: 'a/',
  /** The model promoted to "deploy" for an alias (a copy: history trimming never removes it). */
  deployed: (alias: string): string => `${registryKeys.deployedAll}${encodeURIComponent(alias)}`,
  deployedAll: 'd/',
  /** A device's deployed model under an alias (one-shot trainings with a device). */
  deployedDevice: (alias: string, device: string): string =>
    `${registryKeys.deployedAll}${encodeURIComponent(alias)}/${encodeURIComponent(device)}`,
};

/**
 * The model line of an alias's per-device trainings: one entity per device, as a solution with
 * `entityKey` keeps one per record key.
 */
export function deviceLine(alias: string): string {
  return `_devices.${encodeURIComponent(alias)}`;
}
