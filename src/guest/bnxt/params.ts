import { z } from "zod";
import type { Distribution } from "../../engine/index.js";
import {
  assumed,
  count,
  dist,
  distributions,
  duration,
  NAPI_POLL_DELAY_RANGE,
  rate,
} from "../param-kit.js";

/**
 * The guest's Broadcom NetXtreme-C/E stack: bnxt_en (the NIC) and bnxt_re (the RoCE auxiliary
 * driver) on one function, as in mainline since ~v6.10 (RoCE vectors at the bottom of the
 * table). Values marked [src] were read in the driver (docs/source-notes-bnxt.md names the
 * function); counts come from firmware and the vCPU count on real systems, and every latency
 * marked [assumed] has no public figure: each is a parameter with a plausible range.
 */
export const BnxtParamsSchema = z
  .object({
    name: z.literal("bnxt").describe("the driver design"),
    roceVectors: assumed(
      z
        .number()
        .int()
        .min(2)
        .max(65)
        .default(9)
        .describe(
          "vectors bnxt_en sets aside for bnxt_re (ulp_num_msix_want): the CREQ plus one per NQ; min(BNXT_MAX_ROCE_MSIX = 64, online CPUs + 1) (bnxt_set_dflt_ulp_msix) [src]; 2 on a VF, 5 on an NPAR PF. Default 9: an 8-vCPU guest [assumed]; bnxt_re needs at least 2 (BNXT_RE_MIN_MSIX)",
        ),
      {
        kind: "range",
        low: 2,
        high: 17,
        why: "ulp_num_msix_want follows the guest's vCPUs: 2 (a VF) to 17 (16 vCPUs)",
      },
    ),
    l2Rings: z
      .number()
      .int()
      .min(1)
      .max(1024)
      .default(4)
      .describe(
        "L2 completion rings (combined channels) at probe, one vector each: netif_get_num_default_rss_queues() in bnxt_set_dflt_rings (about half the CPUs on newer kernels) [inferred; 1-64]",
      ),
    l2RingsMax: z
      .number()
      .int()
      .min(1)
      .max(1024)
      .optional()
      .describe(
        "most L2 rings ethtool -L may set (firmware resources, bnxt_get_max_rings); default l2Rings [assumed]",
      ),
    roceBase: z
      .number()
      .int()
      .min(0)
      .max(2047)
      .default(0)
      .describe(
        "first RoCE vector: 0 in mainline since 303432211324 ('Remove runtime interrupt vector allocation'; bnxt_fill_msix_vecs: ent[i].vector = irq_tbl[i]; L2 ring i at map_idx = ulp_msix + i) [src]. Older kernels (<= ~v6.2, bnxt_req_msix_vecs) put the RoCE block after the L2 rings (idx = cp_nr_rings): give a base >= l2RingsMax to model that layout, with the L2 rings from 0 (the old close/open at bnxt_re load when the table was too small is not modelled)",
      ),
    guestAllocDyn: z
      .boolean()
      .default(false)
      .describe(
        "the guest kernel's MSI-X domain supports dynamic allocation (pci_msix_can_alloc_dyn): a ring-count change adds or frees L2 vectors at the end (bnxt_change_msix) instead of freeing every vector and allocating the range again (bnxt_reserve_rings: bnxt_ulp_irq_stop, bnxt_clear_int_mode, bnxt_init_int_mode, bnxt_ulp_irq_restart) [src]. An ARM64 guest has it only with an ITS MSI parent that sets MSI_FLAG_PCI_MSIX_ALLOC_DYN (the thread's patch) [assumed: false]",
      ),
    napiRearmOnLoss: assumed(
      z
        .boolean()
        .default(false)
        .describe(
          "completion/notification rings: the device re-raises after a lost message while work is pending (true), or stays disarmed until the driver writes an ARM doorbell (false: bnxt_poll_p5 re-arms the NQ only after napi_complete_done; bnxt_qplib_service_nq likewise) [assumed]",
        ),
      {
        kind: "choice",
        values: [true],
        why: "whether the device re-raises after a lost message while work is pending is not public",
      },
    ),
    interruptGap: assumed(
      duration(
        "10us",
        "minimum gap between two interrupts of a ring (interrupt coalescing, bnxt_init_dflt_coal; the default tick values were not read) [assumed; 5-50 us]; DIM is not modelled",
      ),
      {
        kind: "duration",
        low: "5us",
        high: "50us",
        why: "interrupt coalescing ticks were not read: 5-50 us",
      },
    ),
    napiPollDelay: assumed(
      duration(
        "5us",
        "from an interrupt reaching the guest to the NAPI poll / tasklet re-arming the ring [assumed; 1-50 us]",
      ),
      NAPI_POLL_DELAY_RANGE,
    ),
    txStopPackets: assumed(
      count(
        32,
        65_536,
        "packets sent without completions before the TX queue stops (BQL's dynamic limit, long before the ring is full) [assumed; 4-2047]",
      ),
      {
        kind: "range",
        low: 4,
        high: 2047,
        why: "BQL's limit adapts to the link; 2047 is a full ring without BQL",
      },
    ),
    watchdogTimeo: duration(
      "5s",
      "watchdog_timeo = BNXT_TX_TIMEOUT = 5 * HZ [src]; bnxt_tx_timeout queues BNXT_RESET_TASK_SP_EVENT",
    ),
    linkUpDelay: assumed(
      dist(
        { uniform: ["1s", "2s"] },
        "from bnxt_open's PHY setup (bnxt_update_phy_setting) to the PHY reporting link up; bnxt_close shut the link down (bnxt_hwrm_shutdown_link, single PF) [assumed; 0.1-3 s]",
      ),
      {
        kind: "scale",
        low: 0.1,
        high: 1.5,
        why: "PHY link-up: 0.1-0.2 s to 1.5-3 s (not published)",
      },
    ),
    initNicTime: assumed(
      dist(
        { lognormal: { median: "5ms", sigma: 0.5 } },
        "bnxt_init_nic in __bnxt_open_nic: ring, ring-group, VNIC and filter allocation over polled HWRM commands [assumed; 1-50 ms]",
      ),
      {
        kind: "scale",
        low: 0.2,
        high: 10,
        why: "bnxt_init_nic's polled HWRM commands: 1-50 ms (not measured)",
      },
    ),
    closeNicTime: assumed(
      dist(
        { lognormal: { median: "2ms", sigma: 0.5 } },
        "__bnxt_close_nic: rings and VNICs freed over polled HWRM commands [assumed; 0.5-20 ms]",
      ),
      {
        kind: "scale",
        low: 0.25,
        high: 10,
        why: "__bnxt_close_nic's polled HWRM commands: 0.5-20 ms (not measured)",
      },
    ),
    reserveRingsTime: assumed(
      dist(
        { lognormal: { median: "1ms", sigma: 0.5 } },
        "__bnxt_reserve_rings: the HWRM_FUNC_CFG ring reservation (polled) [assumed; 0.1-10 ms]",
      ),
      {
        kind: "scale",
        low: 0.1,
        high: 10,
        why: "HWRM_FUNC_CFG ring reservation: 0.1-10 ms (not measured)",
      },
    ),
    reInitDelay: assumed(
      dist(
        { lognormal: { median: "2ms", sigma: 0.5 } },
        "bnxt_re_dev_init before the CREQ's request_irq: chip context, HWRM version query, CREQ ring allocation over bnxt_en's polled HWRM [assumed; 0.5-20 ms]",
      ),
      {
        kind: "scale",
        low: 0.25,
        high: 10,
        why: "bnxt_re_dev_init before the CREQ's request_irq: 0.5-20 ms (not measured)",
      },
    ),
    rcfwResponse: assumed(
      dist(
        { lognormal: { median: "100us", sigma: 0.5 } },
        "firmware's time to answer an RCFW command with a CREQ entry [assumed; 10 us-10 ms]",
      ),
      {
        kind: "scale",
        low: 0.1,
        high: 100,
        why: "RCFW command answer: 10 us to 10 ms around the 100 us median (not published)",
      },
    ),
    rcfwMaxTimeout: duration(
      "40s",
      "rcfw->max_timeout: __wait_for_resp sleeps this long before polling the CREQ itself (bnxt_qplib_service_creq) and checking for a firmware stall; the firmware's max_req_timeout, or RCFW_FW_STALL_MAX_TIMEOUT = 40 s when it reports 0 (bnxt_re_query_hwrm_intf_version) [src]",
    ),
    rcfwInitCommands: count(
      2,
      1000,
      "RCFW commands of bnxt_re_dev_init before the NQs are enabled: bnxt_qplib_get_dev_attr, bnxt_qplib_init_rcfw [src]",
    ),
    rcfwPostCommands: assumed(
      count(
        6,
        10_000,
        "RCFW commands after the NQs are enabled: bnxt_qplib_query_cc_param, bnxt_re_setup_qos, ib_register_device's clients (PD, CQs, QP1 of ib_mad), bnxt_re_setup_cc [assumed]",
      ),
      {
        kind: "range",
        low: 2,
        high: 64,
        why: "RCFW commands after the NQs are enabled depend on the kernel's ULPs (not counted)",
      },
    ),
    rdmaCqRate: assumed(
      rate(
        "RoCE completion notifications per second on each NQ once the RoCE port is active (an RDMA application in use) [assumed; 0 = idle]",
      ),
      {
        kind: "range",
        low: 0,
        high: 10000,
        why: "RoCE completions per NQ: idle (0) to a busy RDMA application (10,000/s)",
      },
    ),
    rdmaCmdRate: assumed(
      rate(
        "verbs control commands per second (QP/CQ/MR create, modify, destroy) sent over RCFW while bnxt_re is up; their completions ride the CREQ interrupt [assumed; 0 = none]",
      ),
      {
        kind: "range",
        low: 0,
        high: 1000,
        why: "verbs control commands: none to ~1000/s (connection churn)",
      },
    ),
    fwResetWait: assumed(
      dist(
        { uniform: ["1s", "3s"] },
        "bnxt_fw_reset: from bnxt_fw_reset_close to the firmware being ready again (fw_reset_min_dsecs .. fw_reset_max_dsecs come from firmware) [assumed; 0.2-10 s]",
      ),
      {
        kind: "scale",
        low: 0.2,
        high: 5,
        why: "firmware reset: 0.2-0.6 s to 5-15 s around the 1-3 s default (fw_reset_min/max_dsecs from firmware)",
      },
    ),
  })
  .strict();

export type BnxtParamsInput = z.input<typeof BnxtParamsSchema>;
export type BnxtParams = z.output<typeof BnxtParamsSchema>;

/** The driver's latency distributions, built (and checked) once. */
const BNXT_TIMING = [
  "linkUpDelay",
  "initNicTime",
  "closeNicTime",
  "reserveRingsTime",
  "reInitDelay",
  "rcfwResponse",
  "fwResetWait",
] as const;
export type BnxtTiming = Readonly<Record<(typeof BNXT_TIMING)[number], Distribution>>;

export function bnxtTiming(p: BnxtParams): BnxtTiming {
  return distributions(p, BNXT_TIMING);
}
