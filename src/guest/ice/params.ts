import { z } from "zod";
import type { Distribution } from "../../engine/index.js";
import {
  assumed,
  count,
  dist,
  distributions,
  duration,
  NAPI_POLL_DELAY_RANGE,
} from "../param-kit.js";

/**
 * The guest's Intel E810 stack: ice (PF) with the irdma auxiliary driver, as in mainline
 * (docs/source-notes-ice.md). [src] = read in the driver; [inferred] = deduced from the code's
 * shape; [assumed] = no public figure: a parameter with a plausible range.
 */
export const IceParamsSchema = z
  .object({
    name: z.literal("ice").describe("the driver design"),
    cpus: assumed(
      count(
        16,
        256,
        "num_online_cpus() in the guest: the default LAN queue count (ice_get_txq_count), the ethtool -L maximum (ice_get_max_txq), irdma's vector count (icrdma_init_interrupts) and ice's MSI-X budget (ice_get_default_msix_amount) [assumed: the VM's vCPUs; 1-256]",
        1,
      ),
      {
        kind: "range",
        low: 4,
        high: 64,
        why: "the VM's vCPUs: a small guest (4) to a large one (64)",
      },
    ),
    lanQueues: z
      .number()
      .int()
      .min(1)
      .max(256)
      .optional()
      .describe(
        "combined channels (LAN q_vectors) at probe; default cpus: min(available queues, num_online_cpus()) (ice_get_txq_count) [src]. Must not exceed cpus",
      ),
    rdmaVectors: z
      .number()
      .int()
      .min(2)
      .max(512)
      .optional()
      .describe(
        "irdma's msix_count: num_online_cpus() + IRDMA_NUM_AEQ_MSIX (1) by default (icrdma_init_interrupts) [src]; at least IRDMA_MIN_MSIX (2). irdma_save_msix_info caps it at cpus + 1 and shares the AEQ with CEQ 0 when it is <= cpus",
      ),
    maxCeqs: z
      .number()
      .int()
      .min(1)
      .max(1024)
      .optional()
      .describe(
        "hmc_fpm_misc.max_ceqs from firmware: num_ceqs = min(msix_count, max_ceqs) (irdma_setup_ceqs); extra vectors are allocated but never requested [assumed: from firmware; default no cap]",
      ),
    flowDirector: z
      .boolean()
      .default(true)
      .describe(
        "ICE_FLAG_FD_ENA: the Flow Director control VSI's vector is allocated and requested at probe (ice_init_features -> ice_init_fdir -> ice_vsi_open_ctrl) [src; on when the function has FD resources]",
      ),
    rdmaAtProbe: z
      .boolean()
      .default(false)
      .describe(
        "irdma is already loaded when ice probes, so it binds to the auxiliary device inside ice_init_rdma (ice_plug_aux_dev); false: it binds when the timeline's rdma-load runs (modprobe irdma)",
      ),
    rdmaBase: z
      .number()
      .int()
      .min(1)
      .max(2047)
      .optional()
      .describe(
        "what-if: pin the RDMA block at this MSI-X index. Mainline takes the lowest free tracker entries when irdma probes (ice_alloc_rdma_qvector -> ice_get_irq_res) and so does this model unless this is set",
      ),
    oicrCauseRefire: assumed(
      z
        .boolean()
        .default(false)
        .describe(
          "OICR vector 0: the device sends a new message for every new cause while a lost one left the vector disabled (true), or nothing until software re-enables it (false: ice_misc_intr re-enables with ice_irq_dynamic_ena only after it ran) [assumed; no datasheet read]",
        ),
      {
        kind: "choice",
        values: [true],
        why: "whether OICR re-sends for a new cause while the vector is disabled is not public",
      },
    ),
    ceqCauseRefire: assumed(
      z
        .boolean()
        .default(false)
        .describe(
          "irdma CEQ 0 (the control CQ's event queue): as oicrCauseRefire; false: a lost message leaves it disabled (irdma_ena_intr runs only at the end of irdma_ceq_dpc) and every later control command completes by polling [assumed]",
        ),
      {
        kind: "choice",
        values: [true],
        why: "whether irdma's CEQ 0 re-sends after a lost message is not public",
      },
    ),
    napiRearmOnLoss: assumed(
      z
        .boolean()
        .default(false)
        .describe(
          "queue vectors: the device re-raises while work is pending after a lost message (true), or stays disabled until software re-enables it (false: only ice_napi_poll's ice_enable_interrupt and ice_trigger_sw_intr write INTENA) [assumed]",
        ),
      {
        kind: "choice",
        values: [true],
        why: "whether the device re-raises after a lost message while work is pending is not public",
      },
    ),
    interruptGap: duration(
      "50us",
      "ITR: minimum gap between two interrupts of a queue vector; ICE_DFLT_TX_ITR / ICE_DFLT_RX_ITR = ICE_ITR_20K (50 us) [inferred]. Dynamic ITR (on by default) is not modelled",
    ),
    napiPollDelay: assumed(
      duration(
        "5us",
        "from a queue interrupt reaching the guest to ice_napi_poll re-enabling the vector [assumed; 1-50 us]",
      ),
      NAPI_POLL_DELAY_RANGE,
    ),
    txStopPackets: assumed(
      count(
        32,
        65_536,
        "packets sent without completions before the TX queue stops: BQL (netdev_tx_sent_queue) stops it long before the ring (ICE_DFLT_NUM_TX_DESC, 256+) fills [assumed; 4-1023]",
        1,
      ),
      {
        kind: "range",
        low: 4,
        high: 1023,
        why: "BQL's limit adapts to the link; 1023 is a full ring without BQL",
      },
    ),
    watchdogTimeo: duration(
      "5s",
      "watchdog_timeo: ice sets none, so __netdev_watchdog_up uses 5 * HZ [src: sch_generic.c]",
    ),
    serviceTaskPeriod: duration(
      "1s",
      "pf->serv_tmr_period = HZ; ice_service_timer re-arms with round_jiffies [src: ice_init_pf]",
    ),
    txTimeoutRecoveryDecay: duration(
      "20s",
      "ice_tx_timeout: a timeout this long after the last recovery starts again at level 1 (PFR); a sooner one (but after watchdog_timeo) escalates PFR -> CORER -> GLOBR -> unrecoverable [src]",
    ),
    linkUpDelay: assumed(
      dist(
        { uniform: ["1s", "2s"] },
        "from PHY configuration (ice_init_link at probe, ice_configure_phy at ifup, the rebuild after a CORER/GLOBR) to the firmware's link-up event on the admin receive queue [assumed; 0.1-3 s]",
      ),
      {
        kind: "scale",
        low: 0.1,
        high: 1.5,
        why: "firmware link-up event: 0.1-0.2 s to 1.5-3 s (not published)",
      },
    ),
    cqpResponse: assumed(
      dist(
        { lognormal: { median: "20us", sigma: 0.5 } },
        "firmware time from posting an irdma control QP command to its completion in the CCQ [assumed; 5 us-5 ms]",
      ),
      {
        kind: "scale",
        low: 0.25,
        high: 250,
        why: "CQP command completion: 5 us to 5 ms around the 20 us median (not published)",
      },
    ),
    cqpPollInterval: duration(
      "10ms",
      "CQP_COMPL_WAIT_TIME_MS: irdma_wait_event polls the CCQ after each wait_event_timeout of this length [src: irdma/protos.h]",
    ),
    cqpTimeoutThreshold: count(
      500,
      100_000,
      "CQP_TIMEOUT_THRESHOLD: expired waits without progress before a control command fails with -ETIMEDOUT and irdma requests a reset [src]",
      1,
    ),
    irdmaInitDelay: assumed(
      dist(
        "5ms",
        "icrdma_probe before its first request_irq: CQP creation, HMC setup and CCQ creation by polled commands (irdma_ctrl_init_hw) [assumed; 1-50 ms]",
      ),
      {
        kind: "scale",
        low: 0.2,
        high: 10,
        why: "irdma_ctrl_init_hw before its first request_irq: 1 ms to 50 ms (not measured)",
      },
    ),
    irdmaRegisterCmds: assumed(
      count(
        8,
        10_000,
        "control QP commands after the AEQ is set up: PBLE, and ib_register_device's clients (PD, CQ, QP1 of ib_mad) [assumed]",
        0,
      ),
      {
        kind: "range",
        low: 2,
        high: 64,
        why: "control QP commands after the AEQ depend on the kernel's ULPs (not counted)",
      },
    ),
    resetWait: assumed(
      dist(
        "100ms",
        "hardware reset time seen by the polled wait (ice_pf_reset for a PFR, ice_check_reset for a CORER/GLOBR) [assumed; 10 ms-1 s]",
      ),
      {
        kind: "scale",
        low: 0.1,
        high: 10,
        why: "hardware reset seen by the polled wait: 10 ms to 1 s (not measured)",
      },
    ),
    oicrEventRate: assumed(
      z
        .number()
        .min(0)
        .max(1e6)
        .default(0)
        .describe(
          "other OICR causes per second while the driver is loaded (E810 PTP Tx timestamps, MDD, VF mailbox) [assumed; 0-1000]",
        ),
      {
        kind: "range",
        low: 0,
        high: 1000,
        why: "other OICR causes: none without PTP, up to ~1000/s with PTP Tx timestamps",
      },
    ),
  })
  .strict();

export type IceParamsInput = z.input<typeof IceParamsSchema>;
export type IceParams = z.output<typeof IceParamsSchema>;

/** The driver's latency distributions, built (and checked) once. */
const ICE_TIMING = ["linkUpDelay", "cqpResponse", "irdmaInitDelay", "resetWait"] as const;
export type IceTiming = Readonly<Record<(typeof ICE_TIMING)[number], Distribution>>;

export function iceTiming(p: IceParams): IceTiming {
  return distributions(p, ICE_TIMING);
}
