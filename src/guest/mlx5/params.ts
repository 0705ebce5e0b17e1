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
 * The guest's mlx5_core (+ mlx5e) and mlx5_ib on one ConnectX function (a VF by default).
 * Values marked [src] were read in the driver (docs/source-notes-mlx5.md names the function);
 * counts come from firmware and the guest's vCPUs, and every latency marked [assumed] has no
 * public figure: each is a parameter with a plausible range in its description.
 */
export const Mlx5ParamsSchema = z
  .object({
    compVectors: assumed(
      z
        .number()
        .int()
        .min(1)
        .max(2047)
        .default(16)
        .describe(
          "completion vectors, max_comp_eqs = pcif_vec - 1 = min(num_ports x num_online_cpus, max_num_eqs - 1, MSI-X table size - 1), further capped by max_dev_eqs - MLX5_MAX_ASYNC_EQS (mlx5_irq_table_create, get_num_eqs) [assumed: from the guest's vCPUs and firmware; 1..2047; a VF's table is often ~11-64]",
        ),
      {
        kind: "range",
        low: 4,
        high: 32,
        why: "completion vectors follow the guest's vCPUs and the VF's table (often ~11-64 entries)",
      },
    ),
    ctrlVector: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe(
        "MSI-X index of the control vector (command, async and pages EQs): 0 since v6.4 (mlx5_ctrl_irq_request: 'Allocate the IRQ in index 0'); v5.13-v6.3 put it on the pool's last index, compVectors [src]",
      ),
    compBase: z
      .number()
      .int()
      .min(0)
      .default(1)
      .describe(
        "MSI-X index of completion vector 0: MLX5_IRQ_VEC_COMP_BASE = 1 since v6.4 (mlx5_irq_request_vector); 0 in v5.13-v6.3 [src]. Must not overlap ctrlVector",
      ),
    compEqsAtLoad: z
      .boolean()
      .default(false)
      .describe(
        "completion EQs created at probe for every vector, ascending (create_comp_eqs in mlx5_eq_table_create, up to v6.5); false: on demand by the first CQ on the vector (mlx5_comp_eqn_get, f14c1a14e632, v6.6) [src]",
      ),
    channels: z
      .number()
      .int()
      .min(1)
      .max(2047)
      .optional()
      .describe(
        "combined channels at interface up; default min(MLX5E_MAX_NUM_CHANNELS / 2, max channels) = min(64, compVectors) (mlx5e_build_nic_params) [src; the constant's value not re-read]. Fewer when an administrator ran ethtool -L before ifup",
      ),
    rdmaCqVectors: z
      .number()
      .int()
      .min(0)
      .max(2047)
      .default(0)
      .describe(
        "completion vectors spanned by RDMA CQs created after mlx5_ib loads: a kernel ULP's shared CQ pool (ib_cq_pool_get -> ib_alloc_cqs) creates min(num_comp_vectors, num_online_cpus) CQs on vectors 0, 1, ... in order; each new one creates its EQ (mlx5_ib_create_cq -> mlx5_comp_eqn_get) [src]. 0: mlx5_ib alone, whose own CQs use vector 0 [assumed: which ULP runs is the workload's]",
      ),
    rdmaCqDelay: assumed(
      dist(
        "100ms",
        "from mlx5_ib's probe to the ULP creating its CQ pool (an NVMe-oF/RDMA connect, an iSER login) [assumed; 0-10 s]",
      ),
      {
        kind: "scale",
        low: 0.1,
        high: 10,
        why: "from mlx5_ib's probe to a ULP's CQ pool: 10 ms to 1 s around the 100 ms default (workload-dependent)",
      },
    ),
    napiRearmOnLoss: assumed(
      z
        .boolean()
        .default(false)
        .describe(
          "completion EQs: the device raises again while EQEs are unread after a lost message (true), or stays fired until polled (false: the armed/fired EQ that mlx5_eq_poll_irq_disabled and mlx5_cmd_eq_recover exist for) [assumed]",
        ),
      {
        kind: "choice",
        values: [true],
        why: "whether the device re-raises after a lost message while work is pending is not public",
      },
    ),
    interruptGap: assumed(
      duration(
        "8us",
        "minimum gap between two interrupts of a channel: CQ moderation (cq_period; DIM on by default) [assumed; 2-64 us]",
      ),
      {
        kind: "duration",
        low: "2us",
        high: "64us",
        why: "CQ moderation: cq_period and DIM pick 2-64 us",
      },
    ),
    napiPollDelay: assumed(
      duration(
        "5us",
        "from a completion interrupt reaching the guest to mlx5e_napi_poll re-arming the CQs [assumed; 1-50 us]",
      ),
      NAPI_POLL_DELAY_RANGE,
    ),
    txStopPackets: assumed(
      count(
        32,
        65_536,
        "packets sent without completions before the TX queue stops: BQL (netdev_tx_sent_queue) long before the SQ is full (mlx5e_txwqe_complete) [assumed; 4-8191]",
      ),
      {
        kind: "range",
        low: 4,
        high: 8191,
        why: "BQL's limit adapts to the link; 8191 is a full SQ without BQL",
      },
    ),
    watchdogTimeo: duration(
      "15s",
      "watchdog_timeo = 15 * HZ (mlx5e_build_nic_netdev); dev_watchdog checks every watchdog_timeo [src]",
    ),
    rxWqesTimeout: duration(
      "20s",
      "MLX5E_RQ_WQES_TIMEOUT: mlx5e_wait_channels_min_rx_wqes waits this for the first channel whose RQ does not fill, then 0 for the rest, then the RX reporter polls the EQ [src]",
    ),
    cmdTimeout: duration(
      "60s",
      "MLX5_TO_CMD_MS: wait_func's timeout before mlx5_cmd_eq_recover (lib/tout.c; firmware may override it through the init segment's cmd_exec_to) [src]",
    ),
    cmdRecoverWait: duration(
      "5s",
      "MLX5_CMD_TIMEOUT_RECOVER_MSEC: wait_func_handle_exec_timeout waits this after polling the command EQ [src]",
    ),
    cmdLatency: assumed(
      dist(
        { lognormal: { median: "100us", sigma: 0.6 } },
        "firmware execution of one command, doorbell to completion EQE [assumed; 10 us-10 ms]",
      ),
      {
        kind: "scale",
        low: 0.1,
        high: 100,
        why: "firmware command execution: 10 us to 10 ms around the 100 us median (not published)",
      },
    ),
    probeCommands: assumed(
      count(
        40,
        100_000,
        "event-mode commands of mlx5_load / mlx5_init_one after the command EQ (async and pages EQs, caps, flow steering, tracer, ...) [assumed]",
      ),
      {
        kind: "range",
        low: 10,
        high: 200,
        why: "commands of mlx5_load after the command EQ depend on firmware features (not counted)",
      },
    ),
    netdevCommands: assumed(
      count(
        30,
        100_000,
        "commands of the Ethernet netdev's attach (mlx5e_attach_netdev: TIS, drop RQ, RQTs, TIRs, flow tables) [assumed]",
      ),
      {
        kind: "range",
        low: 5,
        high: 100,
        why: "commands of mlx5e_attach_netdev depend on the steering configuration (not counted)",
      },
    ),
    channelCommands: assumed(
      count(
        10,
        10_000,
        "commands to open (or close) one channel: CQs, SQs, RQ, their state changes (mlx5e_open_channel) [assumed]",
      ),
      {
        kind: "range",
        low: 3,
        high: 20,
        why: "commands per channel depend on its queues (not counted)",
      },
    ),
    rdmaCommands: assumed(
      count(
        40,
        100_000,
        "commands of mlx5_ib's probe (__mlx5_ib_add stages: caps, PD, UMR, GSI, ...) [assumed]",
      ),
      {
        kind: "range",
        low: 5,
        high: 100,
        why: "commands of mlx5_ib's probe depend on firmware capabilities (not counted)",
      },
    ),
    statsInterval: assumed(
      duration(
        "0",
        "a monitoring agent reads the netdev's stats every this often (ndo_get_stats64 -> mlx5e_queue_update_stats: a few commands under state_lock); 0: none [assumed; 0 or 0.1-60 s]",
      ),
      {
        kind: "duration",
        low: "0ns",
        high: "1s",
        why: "a monitoring agent: none, or reading stats every second",
      },
    ),
    statsCommands: assumed(
      count(
        2,
        100,
        "commands per stats refresh (QUERY_VPORT_COUNTER, PPCNT: mlx5e_stats_update_ndo_stats) [assumed]",
      ),
      {
        kind: "range",
        low: 1,
        high: 10,
        why: "commands per stats refresh depend on the counters read (not counted)",
      },
    ),
    asyncEventRate: assumed(
      z
        .number()
        .min(0)
        .max(1e6)
        .default(0)
        .describe(
          "other events per second on the async EQ (control vector) while loaded: port module, temperature, monitor counters, page requests (gather_async_events_mask) [assumed; 0-10]; each one's interrupt also polls the command EQ",
        ),
      {
        kind: "range",
        low: 0,
        high: 10,
        why: "async events: none on a quiet port, ~10/s with monitoring counters or page requests",
      },
    ),
    flrRecovery: assumed(
      z
        .enum(["health", "none"])
        .default("health")
        .describe(
          "after a guest FLR (mlx5 has no reset_prepare/reset_done: mlx5_err_handler), health: the health poller finds the function reset and recovers it (mlx5_health_try_recover: mlx5_unload_one, then mlx5_load_one, MSI-X freed and allocated again); none: nothing notices [assumed]",
        ),
      {
        kind: "choice",
        values: ["none"],
        why: "whether the health poller notices a guest FLR in time depends on firmware and the kernel version",
      },
    ),
    flrDetect: assumed(
      dist(
        { uniform: ["2s", "6s"] },
        "from the FLR to the health poller's fatal verdict (poll_health every MLX5_TO_HEALTH_POLL_INTERVAL_MS = 2 s, a few misses) [assumed; 2-10 s]",
      ),
      {
        kind: "scale",
        low: 0.5,
        high: 2,
        why: "the health poller's verdict: 1-3 s to 4-12 s after the FLR (poll every 2 s, a few misses)",
      },
    ),
  })
  .strict();

export type Mlx5ParamsInput = z.input<typeof Mlx5ParamsSchema>;
export type Mlx5Params = z.output<typeof Mlx5ParamsSchema>;

/** The driver's latency distributions, built (and checked) once. */
const MLX5_TIMING = ["cmdLatency", "rdmaCqDelay", "flrDetect"] as const;
export type Mlx5Timing = Readonly<Record<(typeof MLX5_TIMING)[number], Distribution>>;

export function mlx5Timing(p: Mlx5Params): Mlx5Timing {
  return distributions(p, MLX5_TIMING);
}
