import { z } from "zod";
import type { DriverDescription } from "../driver.js";
import { Mlx5Driver } from "./driver.js";
import { mlx5Layout } from "./layout.js";
import { Mlx5ParamsSchema, mlx5Timing } from "./params.js";

export const Mlx5DriverSchema = Mlx5ParamsSchema.extend({
  name: z.literal("mlx5").describe("the driver design"),
});
export type Mlx5DriverParams = z.output<typeof Mlx5DriverSchema>;

/** NVIDIA/Mellanox ConnectX: mlx5_core (+ mlx5e) and mlx5_ib sharing one function. */
export const mlx5Description: DriverDescription<Mlx5DriverParams> = {
  name: "mlx5",
  summary:
    "NVIDIA/Mellanox ConnectX (mlx5_core + mlx5e Ethernet, mlx5_ib RDMA) on one function, a VF by default; mainline >= v6.6",
  sources: [
    "pci_alloc_irq_vectors(1, pcif_vec) with pcif_vec = completion vectors + 1, every entry masked (mlx5_irq_table_create)",
    "control vector at index 0 carries the command, async and pages EQs (mlx5_ctrl_irq_request, create_async_eqs); completion vector k at index k + 1 (mlx5_irq_request_vector, MLX5_IRQ_VEC_COMP_BASE)",
    "completion EQs created on demand by the first CQ on a vector, request_irq then CREATE_EQ, destroyed only with the EQ table (mlx5_comp_eqn_get -> create_comp_eq, f14c1a14e632)",
    "mlx5e attach opens the drop RQ's CQ on vector 0 (mlx5e_init_nic_rx -> mlx5e_open_drop_rq -> mlx5e_create_cq)",
    "ifup opens channels 0..C-1 in order, each first taking its completion vector (mlx5e_open_channels -> mlx5e_open_channel -> mlx5_comp_irqn_get)",
    "ethtool -L while up is make-before-break: new channels opened while the old are active, then switched (mlx5e_safe_switch_params, mlx5e_switch_priv_channels)",
    "mlx5_ib owns no vector: CQs use mlx5_core's EQs (mlx5_ib_create_cq -> mlx5_comp_eqn_get); a kernel ULP's CQ pool spans min(num_comp_vectors, num_online_cpus) vectors in order (ib_alloc_cqs)",
    "commands complete by EQE on the command EQ; on a 60 s timeout the EQ is polled and the command waits 5 s more (wait_func, wait_func_handle_exec_timeout -> mlx5_cmd_eq_recover, MLX5_TO_CMD_MS)",
    "every interrupt on the control vector polls and re-arms all three EQs (mlx5_eq_async_int, eq_update_ci(eq, 1))",
    "TX watchdog 15 s (mlx5e_build_nic_netdev); a TX timeout polls the channel's EQ and recovers without a reset when EQEs are found, else reopens the channels (mlx5e_tx_timeout_work -> mlx5e_tx_reporter_timeout_recover -> mlx5_eq_poll_irq_disabled)",
    "channel activation waits 20 s for RX WQEs, then the RX reporter polls the EQ (mlx5e_wait_channels_min_rx_wqes, MLX5E_RQ_WQES_TIMEOUT, mlx5e_rx_reporter_timeout_recover)",
    "carrier from a vport state query at open (mlx5e_update_carrier)",
    "reload and health recovery free and re-allocate MSI-X (mlx5_unload -> mlx5_irq_table_destroy; mlx5_health_try_recover -> mlx5_unload_one, mlx5_recover_device -> mlx5_load_one); no reset_prepare/reset_done (mlx5_err_handler)",
  ],
  schema: Mlx5DriverSchema,
  actions: [
    "load",
    "unload",
    "up",
    "down",
    "rdma-load",
    "rdma-unload",
    "channels",
    "reset",
    "guest-flr",
    "qemu-reset",
  ],
  layout(p) {
    const l = mlx5Layout(p);
    const queues = l.comp.slice(0, l.channels);
    return {
      numMsi: l.numMsi,
      groups: {
        ctrl: [l.ctrl],
        misc: [l.ctrl],
        comp: l.comp,
        queues,
        nic: [l.ctrl, ...queues],
        rdma: l.comp.slice(0, l.rdmaCqVectors),
      },
    };
  },
  check(p) {
    mlx5Timing(p);
  },
  create: (m, p, load) => new Mlx5Driver(m, p, load),
};
