import { Mlx5ParamsSchema } from "../guest/mlx5/params.js";
import {
  duration,
  nicLoadOf,
  ns,
  type Preset,
  REBUILD,
  rxPps,
  trafficAfter,
  trafficBefore,
  txPps,
} from "./preset-kit.js";

const TX_STOP = Mlx5ParamsSchema.parse({}).txStopPackets;

/** The MSI-X table of a function with `compVectors` completion vectors (+ the control vector). */
export const mlx5TableSize = (compVectors: number): number => Math.max(64, compVectors + 1);

export const MLX5_PRESETS: readonly Preset[] = [
  {
    name: "mlx5-rdma-load",
    description:
      "mlx5e is up with NIC traffic on its channels, then mlx5_ib loads (it owns no vector) and its first kernel user's CQ pool puts a CQ on every completion vector (ib_alloc_cqs): the vectors above the channels' are created one by one while the channels carry traffic",
    params: [
      rxPps(1000),
      txPps(1000),
      {
        name: "comp_vectors",
        kind: "integer",
        default: 16,
        min: 1,
        description:
          "completion vectors: min(vCPUs, MSI-X table - 1, firmware EQs) (mlx5_irq_table_create) [assumed]",
      },
      {
        name: "channels",
        kind: "integer",
        default: 8,
        min: 0,
        description:
          "combined channels at ifup (set by ethtool -L before ifup); 0: mlx5e's default min(64, comp_vectors), under which the netdev already created every completion vector and the RDMA CQs add none",
      },
      {
        name: "rdma_cq_vectors",
        kind: "integer",
        default: 16,
        min: 0,
        description:
          "completion vectors the RDMA user's CQs span: min(num_comp_vectors, num_online_cpus) for a kernel ULP on the shared CQ pool (nvme-rdma, nvmet-rdma); 0: mlx5_ib alone",
      },
      {
        name: "rdma_load_at",
        kind: "duration",
        default: "4s",
        description: "when mlx5_ib loads",
      },
      {
        name: "rdma_cq_delay",
        kind: "duration",
        default: "100ms",
        description: "from mlx5_ib's probe to the ULP creating its CQ pool [assumed]",
      },
      {
        name: "stats_interval",
        kind: "duration",
        default: "1s",
        description:
          "a monitoring agent reads the netdev's stats this often, which runs commands concurrently with the RDMA user's (0: none) [assumed]",
      },
      {
        name: "async_event_rate",
        kind: "number",
        default: 0,
        min: 0,
        description:
          "other async-EQ events per second on the control vector; each one's interrupt also polls the command EQ [assumed]",
      },
      trafficBefore,
      trafficAfter,
      duration("90s"),
    ],
    build: (v) => {
      const comp = Number(v.comp_vectors);
      const channels = Number(v.channels);
      const at = ns(v.rdma_load_at);
      const cqDelay = ns(v.rdma_cq_delay);
      return {
        name: "mlx5-rdma-load",
        duration: ns(v.duration),
        params: { device: { tableSize: mlx5TableSize(comp) } },
        driver: {
          name: "mlx5",
          compVectors: comp,
          ...(channels > 0 ? { channels } : {}),
          rdmaCqVectors: Math.min(Number(v.rdma_cq_vectors), comp),
          rdmaCqDelay: cqDelay,
          statsInterval: ns(v.stats_interval),
          asyncEventRate: Number(v.async_event_rate),
        },
        // The reconfiguration: mlx5_ib's probe, the ULP's delay, its CQs and their EQs.
        ...nicLoadOf(v, [at, at + cqDelay + REBUILD], TX_STOP),
        timeline: [
          { at: 0, action: "load" },
          { at: "100ms", action: "up" },
          { at, action: "rdma-load" },
        ],
      };
    },
  },
];
