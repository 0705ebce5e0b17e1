/**
 * Host/QEMU behaviour profiles (MODEL.md section 7). A profile is a run parameter: the same seed
 * under two profiles draws identical traffic.
 */
export const PROFILE_NAMES = ["legacy", "noresize", "dyn", "dyn-small-itt"] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

export interface Profile {
  readonly name: ProfileName;
  /**
   * When the ITS driver's msi_prepare runs: per allocation, with that allocation's nvec (before
   * 1396e89e09f0), or once per device with the MSI-X table size (after it).
   */
  readonly prepare: "per-allocation" | "per-device";
  /** ITS_MSI_FLAGS_SUPPORTED has MSI_FLAG_PCI_MSIX_ALLOC_DYN (the patch in the thread). */
  readonly allocDyn: boolean;
  readonly description: string;
}

export const PROFILES: Readonly<Record<ProfileName, Profile>> = {
  legacy: {
    name: "legacy",
    prepare: "per-allocation",
    allocDyn: false,
    description:
      "prepare per allocation, no ALLOC_DYN: NORESIZE, full teardown per new max vector, MAPD V=0/V=1 each cycle",
  },
  noresize: {
    name: "noresize",
    prepare: "per-device",
    allocDyn: false,
    description:
      "prepare per device (1396e89e09f0), no ALLOC_DYN: NORESIZE, full teardown per new max vector, no MAPD",
  },
  dyn: {
    name: "dyn",
    prepare: "per-device",
    allocDyn: true,
    description: "prepare per device + ALLOC_DYN (the patch): one vector added with one MAPTI",
  },
  "dyn-small-itt": {
    name: "dyn-small-itt",
    prepare: "per-allocation",
    allocDyn: true,
    description:
      "prepare per allocation + ALLOC_DYN (hypothetical): vectors added until the first allocation's ITT is full, then -ENOSPC",
  },
};

export function profileByName(name: string): Profile {
  const p = (PROFILES as Record<string, Profile | undefined>)[name];
  if (p === undefined) {
    throw new Error(`profile: unknown profile "${name}" (known: ${PROFILE_NAMES.join(", ")})`);
  }
  return p;
}
