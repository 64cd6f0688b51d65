/**
 * A battery's `specification` dynamic zone holds one component, and it must describe the battery's
 * technology (a lithium battery cannot carry a lead-acid specification).
 */

export type BatteryTechnology = 'lithium' | 'lead_acid' | 'redox_flow';

export const SPECIFICATION_COMPONENT: Record<BatteryTechnology, string> = {
  lithium: 'lab.lithium',
  lead_acid: 'lab.lead-acid',
  redox_flow: 'lab.redox-stack',
};

/** Returns why the specification does not fit the technology, or null when it fits (or is empty). */
export function specificationMismatch(
  technology: BatteryTechnology,
  specification: Array<{ __component?: string }> | null | undefined,
): string | null {
  const entries = specification ?? [];
  if (entries.length > 1) return 'a battery has at most one specification';
  const component = entries[0]?.__component;
  if (component === undefined) return null;
  const expected = SPECIFICATION_COMPONENT[technology];
  if (!expected) return `unknown technology "${technology}"`;
  return component === expected
    ? null
    : `technology ${technology} needs a ${expected} specification, not ${component}`;
}

// Also registered by Strapi as the service `api::lab.battery-specification` (every file here is a service).
export default { specificationMismatch };
